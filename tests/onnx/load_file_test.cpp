// Loading a model file: parsed piece by piece from a mapping whose pages are dropped as it goes
// (lib/src/onnx/load.cpp). Must give exactly what protobuf's whole-message parse gives, for
// valid files and for every truncation of them.
#include <algorithm>
#include <fstream>

#include "onnx/test_util.h"

namespace dcz::test {
namespace {

std::filesystem::path write_file(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& bytes) {
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

std::vector<std::string> models() {
  return {make_mlp_model({6, 5, 3}, 4), make_all_dtypes_model(),
          make_constant_and_subgraph_model(), make_sparse_initializer_model(),
          make_conv_model()};
}

// Same tensors, same bytes, same serialization as parse() of the same bytes (which itself is
// compared with protobuf in the round-trip tests).
void expect_same_model(const OnnxModel& a, const OnnxModel& b) {
  ASSERT_EQ(a.tensor_count(), b.tensor_count());
  for (std::size_t i = 0; i < a.tensor_count(); ++i) {
    EXPECT_EQ(a.tensor(i).name, b.tensor(i).name);
    const auto x = a.tensor_bytes(i), y = b.tensor_bytes(i);
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << a.tensor(i).name;
  }
  auto sa = a.serialize(), sb = b.serialize();
  ASSERT_TRUE(sa.is_ok() && sb.is_ok());
  EXPECT_EQ(*sa, *sb);
}

TEST(LoadFile, EqualsParseOfTheSameBytes) {
  TempDir dir;
  for (const std::string& bytes : models()) {
    const auto path = write_file(dir.path(), "m.onnx", bytes);
    auto loaded = OnnxModel::load(path);
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    expect_same_model(*loaded, parse_or_die(bytes));
    auto s = loaded->serialize();
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(*s, canonical(bytes));
  }
}

// A length-delimited field: tag byte (field number < 16), varint length, payload.
std::string field(char tag, const std::string& payload) {
  std::string out(1, tag);
  std::uint64_t v = payload.size();
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  out.push_back(static_cast<char>(v));
  return out + payload;
}

// raw_data is a singular field: when it appears twice in one initializer the last one wins, as
// in protobuf's own parse; the copy made here in slices must agree.
TEST(LoadFile, RepeatedRawDataLastOneWins) {
  const std::string base = make_mlp_model({4, 3}, 3);
  const std::string old_raw(12, '\x11'), new_raw(12, '\x22');  // float [3]: 12 bytes each
  onnx::TensorProto header;  // name, dtype, dims of the extra initializer
  header.set_name("extra");
  header.set_data_type(onnx::TensorProto::FLOAT);
  header.add_dims(3);
  std::string header_bytes;
  ASSERT_TRUE(header.SerializeToString(&header_bytes));
  // TensorProto.raw_data is field 9 (tag 0x4a); GraphProto.initializer field 5 (0x2a);
  // ModelProto.graph field 7 (0x3a): a second graph field merges into the first.
  const std::string tensor = header_bytes + field('\x4a', old_raw) + field('\x4a', new_raw);
  const std::string model = base + field('\x3a', field('\x2a', tensor));
  onnx::ModelProto whole;
  ASSERT_TRUE(whole.ParseFromString(model));
  const auto& extra = whole.graph().initializer(whole.graph().initializer_size() - 1);
  ASSERT_EQ(extra.name(), "extra");
  ASSERT_EQ(extra.raw_data(), new_raw);

  TempDir dir;
  auto loaded = OnnxModel::load(write_file(dir.path(), "twice.onnx", model));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  std::string want;
  ASSERT_TRUE(whole.SerializeToString(&want));
  auto got = loaded->serialize();
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(*got, want);
}

TEST(LoadFile, EveryTruncationGivesWhatParseGives) {
  TempDir dir;
  // The small models (a few hundred bytes each): every cut, through a file each time.
  for (const std::string& full : {make_mlp_model({6, 5, 3}, 4), make_sparse_initializer_model(),
                                  make_constant_and_subgraph_model()}) {
    for (std::size_t len = 0; len < full.size(); ++len) {
      SCOPED_TRACE(len);
      const std::string cut = full.substr(0, len);
      auto loaded = OnnxModel::load(write_file(dir.path(), "cut.onnx", cut));
      auto parsed = OnnxModel::parse(as_span(cut), dir.path(), "cut");
      ASSERT_EQ(loaded.status().code(), parsed.status().code()) << loaded.status().message();
      if (loaded.is_ok()) expect_same_model(*loaded, *parsed);
    }
  }
}

}  // namespace
}  // namespace dcz::test
