// format/SPEC.md section 8 is normative: this test reads the hex dump out of the spec itself,
// decodes it, and checks that the writer emits exactly those bytes for the same input.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "container/dense.h"
#include "dcz/container.h"

namespace dcz {
namespace {

// The example's inputs, as the spec lists them.
const std::vector<std::uint8_t> kSkeleton = {0x08, 0x08, 0x3A, 0x0C, 0x12, 0x01, 0x67, 0x2A, 0x07, 0x08,
                                             0x03, 0x10, 0x01, 0x42, 0x01, 0x77, 0x42, 0x02, 0x10, 0x0D};
const float kValues[3] = {1.0f, -2.0f, 0.5f};

std::vector<std::uint8_t> spec_hex_dump() {
  std::ifstream in(DCZ_SOURCE_DIR "/format/SPEC.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string spec = ss.str();
  const std::string start = "```hex\n";
  const auto a = spec.find(start, spec.find("## 8. Worked example"));
  if (a == std::string::npos) return {};
  const auto b = spec.find("```", a + start.size());
  std::istringstream lines(spec.substr(a + start.size(), b - a - start.size()));
  std::vector<std::uint8_t> bytes;
  for (std::string line; std::getline(lines, line);) {
    // "00000040: 47 52 50 48 ..." — offset, colon, then hex bytes up to two spaces.
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream hex(line.substr(colon + 1, 3 * 16));
    for (std::string byte; hex >> byte;) bytes.push_back(static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
  }
  return bytes;
}

std::vector<std::uint8_t> writer_output() {
  std::vector<std::uint8_t> raw(12);
  std::memcpy(raw.data(), kValues, 12);
  const std::vector<std::int64_t> dims = {3};
  VectorSink sink;
  ContainerWriter w(sink);
  EXPECT_TRUE(w.begin(kSkeleton, 0).is_ok());  // raw GRPH and TENS blocks, as in the spec
  EXPECT_TRUE(w.add_tensor({"w", DType::kFloat32, dims, 0, 12}, encode_dense({DType::kFloat32, dims, raw}, {})).is_ok());
  EXPECT_TRUE(w.finish().is_ok());
  return sink.bytes();
}

std::string dump(const std::vector<std::uint8_t>& b) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < b.size(); i += 16) {
    std::snprintf(buf, sizeof buf, "%08zx:", i);
    out += buf;
    for (std::size_t j = i; j < i + 16 && j < b.size(); ++j) {
      std::snprintf(buf, sizeof buf, " %02x", b[j]);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

TEST(WorkedExample, SpecHexDecodesToTheListedModel) {
  const auto file = spec_hex_dump();
  ASSERT_FALSE(file.empty()) << "no hex dump in SPEC.md section 8; the writer emits:\n" << dump(writer_output());
  auto c = read_container(file, "SPEC.md example");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->skeleton, kSkeleton);
  ASSERT_EQ(c->tensors.size(), 1u);
  std::vector<std::uint8_t> out(12);
  ASSERT_TRUE(decode_tensor(*c, 0, out).is_ok());
  float v[3];
  std::memcpy(v, out.data(), 12);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 0.5f);
}

TEST(WorkedExample, WriterEmitsExactlyTheSpecBytes) {
  EXPECT_EQ(writer_output(), spec_hex_dump()) << dump(writer_output());
}

}  // namespace
}  // namespace dcz
