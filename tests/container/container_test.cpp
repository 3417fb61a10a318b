// The container's guarantees: bit-exact round trips, deterministic bytes, and a reader that
// rejects every malformed file with the specific error of the rule it breaks (SPEC sections 2, 4).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "container/container_fixture.h"
#include "container/le.h"
#include "dcz/container.h"
#include "dcz/format.h"

namespace dcz {
namespace {

using testing::build_container;
using testing::find_section;
using testing::fixture_skeleton;
using testing::fixture_tensors;
using testing::locate_sections;
using testing::reseal;

std::vector<std::uint8_t> valid_file() { return build_container(fixture_tensors(), fixture_skeleton()); }

TEST(Container, RoundTripsEveryTensorBitExactly) {
  const auto tensors = fixture_tensors();
  const auto file = valid_file();
  auto c = read_container(file, "mem");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->skeleton, fixture_skeleton());
  ASSERT_EQ(c->tensors.size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorEntry& e = c->tensors[i];
    EXPECT_EQ(e.name, tensors[i].header.name);
    EXPECT_EQ(e.dtype, tensors[i].header.dtype);
    EXPECT_EQ(e.dims, tensors[i].header.dims);
    EXPECT_EQ(e.flags, tensors[i].header.flags);
    std::vector<std::uint8_t> out(e.byte_size);
    ASSERT_TRUE(decode_tensor(*c, i, out).is_ok());
    EXPECT_EQ(out, tensors[i].bytes) << e.name;
  }
}

TEST(Container, SameInputGivesSameBytes) { EXPECT_EQ(valid_file(), valid_file()); }

TEST(Container, EveryAlignmentRoundTripsAndAlignsLargeStreams) {
  for (std::uint32_t log2 : {5u, 6u, 12u, 16u}) {
    const auto file = build_container(fixture_tensors(), fixture_skeleton(), log2);
    auto c = read_container(file, "mem");
    ASSERT_TRUE(c.is_ok()) << log2 << ": " << c.status().to_string();
    for (const TensorEntry& e : c->tensors) {
      for (const StreamDescriptor& d : e.streams) {
        if (d.size >= (1u << log2)) EXPECT_EQ((c->data_offset + d.offset) % (1u << log2), 0u);
      }
    }
  }
}

TEST(Container, CompressibleTensorIsStoredSmaller) {
  const auto file = valid_file();
  auto c = read_container(file, "mem");
  ASSERT_TRUE(c.is_ok());
  EXPECT_LT(c->tensors[2].streams[0].size, c->tensors[2].byte_size / 4);
  EXPECT_NE(c->tensors[2].streams[0].coding, StreamCoding::kRaw);
}

TEST(Container, EmptyModelAndEmptyTensorRoundTrip) {
  testing::FixtureTensor empty;
  empty.header = {"empty", DType::kFloat32, {0, 5}, 0, 0};
  const auto file = build_container({empty}, {});
  auto c = read_container(file, "mem");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_TRUE(c->skeleton.empty());
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(decode_tensor(*c, 0, out).is_ok());
}

TEST(Container, OptionalUnknownSectionIsSkipped) {
  // Insert an optional section 'XTRA' after TENS: a 1.0 reader must skip it (SPEC 2.2).
  auto f = valid_file();
  const std::uint64_t at = f.size();
  std::vector<std::uint8_t> h(64, 0);
  le::store_u32(&h[0], format::fourcc('X', 'T', 'R', 'A'));
  le::store_u32(&h[4], 0);
  le::store_u64(&h[8], 3);
  f.insert(f.end(), h.begin(), h.end());
  f.insert(f.end(), {1, 2, 3});
  f.resize(le::align_up(f.size(), 64), 0);
  testing::put_u64(f, 24, 4);
  testing::put_u64(f, 32, f.size());
  reseal(f);
  auto c = read_container(f, "mem");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->sections.size(), 4u);
  EXPECT_EQ(c->sections.back().header_offset, at);
}

// ---- The malformed-file table -------------------------------------------------------------

struct Malformed {
  const char* name;
  std::function<void(std::vector<std::uint8_t>&)> mutate;
  ErrorCode expected;
};

std::uint64_t sec(const std::vector<std::uint8_t>& f, std::uint32_t type, bool payload = false) {
  const auto s = locate_sections(f);
  const auto* x = find_section(s, type);
  return payload ? x->payload_offset : x->header_offset;
}

const std::uint32_t kGrph = format::kSectionGraph, kData = format::kSectionTensorData,
                    kTens = format::kSectionTensorTable;

std::vector<Malformed> malformed_cases() {
  using F = std::vector<std::uint8_t>;
  auto entry = [](const F& f, int i) { return testing::tensor_entry_offset(f, i); };
  auto stream0 = [entry](const F& f, int i) {
    // First stream descriptor of entry i: fixed 32 + dims + name + params.
    const std::uint64_t e = entry(f, i);
    return e + 32 + 8ull * le::get_u32(&f[e + 8]) + le::get_u32(&f[e + 12]) + le::get_u32(&f[e + 16]);
  };
  return {
      {"bad magic", [](F& f) { f[1] = 'X'; }, ErrorCode::kBadMagic},
      {"future major version", [](F& f) { f[8] = 2; reseal(f); }, ErrorCode::kUnsupportedVersion},
      {"version 0", [](F& f) { f[8] = 0; reseal(f); }, ErrorCode::kUnsupportedVersion},
      {"big-endian byte order mark", [](F& f) { testing::put_u32(f, 12, 0x0D0C0B0A); reseal(f); }, ErrorCode::kBadByteOrder},
      {"reserved file flag", [](F& f) { f[16] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"reserved file flag high bit", [](F& f) { f[19] = 0x80; reseal(f); }, ErrorCode::kReservedBitSet},
      {"alignment below 32", [](F& f) { testing::put_u32(f, 20, 4); reseal(f); }, ErrorCode::kBadAlignment},
      {"alignment above 64K", [](F& f) { testing::put_u32(f, 20, 17); reseal(f); }, ErrorCode::kBadAlignment},
      {"zero sections", [](F& f) { testing::put_u64(f, 24, 0); reseal(f); }, ErrorCode::kBadSize},
      {"huge section count", [](F& f) { testing::put_u64(f, 24, 1ull << 40); reseal(f); }, ErrorCode::kBadSize},
      {"file header checksum", [](F& f) { f[40] ^= 1; }, ErrorCode::kBadChecksum},
      {"file_size larger than file", [](F& f) { testing::put_u64(f, 32, f.size() + 64); reseal(f); }, ErrorCode::kTruncated},
      {"trailing bytes", [](F& f) { f.push_back(0); }, ErrorCode::kTrailingBytes},
      {"trailing bytes declared", [](F& f) { f.resize(f.size() + 64); testing::put_u64(f, 32, f.size()); reseal(f); }, ErrorCode::kTrailingBytes},
      {"padding after header", [](F& f) { f[50] = 1; }, ErrorCode::kBadPadding},
      {"GRPH header checksum", [](F& f) { f[sec(f, kGrph) + 24] ^= 1; }, ErrorCode::kBadChecksum},
      {"GRPH payload checksum", [](F& f) { f[sec(f, kGrph, true) + 20] ^= 1; }, ErrorCode::kBadChecksum},
      {"DATA payload checksum", [](F& f) { f[sec(f, kData, true)] ^= 0x40; }, ErrorCode::kBadChecksum},
      {"TENS payload checksum", [](F& f) { f[sec(f, kTens, true) + 9] ^= 1; }, ErrorCode::kBadChecksum},
      {"TENS header checksum", [](F& f) { f[sec(f, kTens) + 25] ^= 1; }, ErrorCode::kBadChecksum},
      {"section reserved field", [](F& f) { f[sec(f, kData) + 28] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"section reserved flag", [](F& f) { f[sec(f, kData) + 4] |= 2; reseal(f); }, ErrorCode::kReservedBitSet},
      {"required flag missing", [](F& f) { f[sec(f, kData) + 4] = 0; reseal(f); }, ErrorCode::kBadSection},
      {"unknown required section", [](F& f) { testing::put_u32(f, sec(f, kData), format::fourcc('Q', 'Q', 'Q', 'Q')); reseal(f); }, ErrorCode::kBadSection},
      {"sections out of order", [](F& f) { testing::put_u32(f, sec(f, kGrph), kData); reseal(f); }, ErrorCode::kBadSection},
      {"section missing", [](F& f) {
         // Turn TENS into an optional unknown section: structure intact, TENS absent.
         const auto t = sec(f, kTens);
         testing::put_u32(f, t, format::fourcc('O', 'P', 'T', 'L'));
         testing::put_u32(f, t + 4, 0);
         reseal(f);
       }, ErrorCode::kBadSection},
      {"payload size past end", [](F& f) { testing::put_u64(f, sec(f, kTens) + 8, 1ull << 50); reseal(f); }, ErrorCode::kTruncated},
      {"padding before payload", [](F& f) { f[sec(f, kGrph) + 40] = 9; }, ErrorCode::kBadPadding},
      {"GRPH reserved byte", [](F& f) { f[sec(f, kGrph, true) + 3] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"GRPH unknown coding", [](F& f) { f[sec(f, kGrph, true)] = 7; reseal(f); }, ErrorCode::kBadSection},
      {"GRPH skeleton size", [](F& f) { testing::put_u64(f, sec(f, kGrph, true) + 8, 41); reseal(f); }, ErrorCode::kBadSize},
      {"GRPH skeleton size huge", [](F& f) { testing::put_u64(f, sec(f, kGrph, true) + 8, 1ull << 33); reseal(f); }, ErrorCode::kBadSize},
      {"tensor count huge", [](F& f) { testing::put_u64(f, sec(f, kTens, true) + 16, 1ull << 60); reseal(f); }, ErrorCode::kBadSize},
      {"tensor count short", [](F& f) { testing::put_u64(f, sec(f, kTens, true) + 16, 2); reseal(f); }, ErrorCode::kTrailingBytes},
      {"TENS reserved byte", [](F& f) { f[sec(f, kTens, true) + 2] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"TENS unknown coding", [](F& f) { f[sec(f, kTens, true)] = 2; reseal(f); }, ErrorCode::kBadSection},
      {"TENS decoded size", [](F& f) { testing::put_u64(f, sec(f, kTens, true) + 8, 7); reseal(f); }, ErrorCode::kBadSize},
      {"TENS size bomb", [](F& f) { testing::put_u64(f, sec(f, kTens, true) + 8, 1ull << 30); reseal(f); }, ErrorCode::kBadSize},
      {"entry_size wrong", [entry](F& f) { testing::put_u32(f, entry(f, 0), 1000); reseal(f); }, ErrorCode::kBadSize},
      {"entry_size tiny", [entry](F& f) { testing::put_u32(f, entry(f, 0), 8); reseal(f); }, ErrorCode::kBadSize},
      {"unknown dtype", [entry](F& f) { f[entry(f, 0) + 4] = 17; reseal(f); }, ErrorCode::kBadTensorEntry},
      {"dtype zero", [entry](F& f) { f[entry(f, 0) + 4] = 0; reseal(f); }, ErrorCode::kBadTensorEntry},
      {"unknown representation", [entry](F& f) { f[entry(f, 0) + 5] = 9; reseal(f); }, ErrorCode::kBadTensorEntry},
      {"reserved tensor flag", [entry](F& f) { f[entry(f, 0) + 6] = 2; reseal(f); }, ErrorCode::kReservedBitSet},
      {"zero streams", [entry](F& f) { f[entry(f, 0) + 7] = 0; reseal(f); }, ErrorCode::kBadSize},
      {"rank over limit", [entry](F& f) { testing::put_u32(f, entry(f, 0) + 8, 65); reseal(f); }, ErrorCode::kBadSize},
      {"name size over limit", [entry](F& f) { testing::put_u32(f, entry(f, 0) + 12, 1u << 20); reseal(f); }, ErrorCode::kBadSize},
      {"entry reserved field", [entry](F& f) { f[entry(f, 0) + 20] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"byte_size mismatch", [entry](F& f) { testing::put_u64(f, entry(f, 0) + 24, 28); reseal(f); }, ErrorCode::kBadTensorEntry},
      {"negative dim", [entry](F& f) { testing::put_u64(f, entry(f, 0) + 32, ~0ull); reseal(f); }, ErrorCode::kBadTensorEntry},
      {"dims overflow", [entry](F& f) {
         testing::put_u64(f, entry(f, 0) + 32, 1ull << 40);
         testing::put_u64(f, entry(f, 0) + 40, 1ull << 40);
         reseal(f);
       }, ErrorCode::kBadTensorEntry},
      {"unknown stream role", [stream0](F& f) { f[stream0(f, 0)] = 9; reseal(f); }, ErrorCode::kBadTensorEntry},
      {"unknown stream coding", [stream0](F& f) { f[stream0(f, 0) + 1] = 99; reseal(f); }, ErrorCode::kBadTensorEntry},
      {"stream reserved", [stream0](F& f) { f[stream0(f, 0) + 4] = 1; reseal(f); }, ErrorCode::kReservedBitSet},
      {"stream misaligned", [stream0](F& f) { testing::put_u64(f, stream0(f, 3) + 8, le::get_u64(&f[stream0(f, 3) + 8]) + 8); reseal(f); }, ErrorCode::kBadAlignment},
      {"stream past DATA", [stream0](F& f) { testing::put_u64(f, stream0(f, 3) + 8, 1ull << 20); reseal(f); }, ErrorCode::kBadOffset},
      {"stream size past DATA", [stream0](F& f) { testing::put_u64(f, stream0(f, 3) + 16, 1ull << 62); reseal(f); }, ErrorCode::kBadOffset},
      {"streams overlap", [stream0](F& f) { testing::put_u64(f, stream0(f, 1) + 8, 0); reseal(f); }, ErrorCode::kBadOffset},
      {"DATA padding nonzero", [stream0](F& f) {
         // The byte just before the aligned raw stream of tensor 3 is padding.
         f[sec(f, kData, true) + le::get_u64(&f[stream0(f, 3) + 8]) - 1] = 5;
         reseal(f);
       }, ErrorCode::kBadPadding},
      {"DATA bytes after last stream", [stream0](F& f) {
         testing::put_u64(f, stream0(f, 3) + 16, le::get_u64(&f[stream0(f, 3) + 16]) - 1);
         reseal(f);
       }, ErrorCode::kTrailingBytes},
  };
}

class MalformedFile : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedFile, IsRejectedWithItsCode) {
  auto f = valid_file();
  GetParam().mutate(f);
  auto c = read_container(f, "bad.dcz");
  ASSERT_FALSE(c.is_ok()) << GetParam().name;
  EXPECT_EQ(c.status().code(), GetParam().expected)
      << GetParam().name << ": " << c.status().to_string();
  // DCZ_WRITE_GOLDEN=DIR freezes the table as golden files (tests/golden/invalid), which keep
  // guarding the reader even if this table or the writer later changes.
  if (const char* dir = std::getenv("DCZ_WRITE_GOLDEN")) {
    std::string n = GetParam().name;
    for (char& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    std::ofstream(std::string(dir) + "/" + std::string(error_code_name(GetParam().expected)) + "--" + n + ".dcz",
                  std::ios::binary).write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }
  // Annotation mode must also end in an error, never crash, and show fields.
  std::vector<AnnotationRow> rows;
  ReadOptions ro;
  ro.annotation = &rows;
  EXPECT_FALSE(read_container(f, "bad.dcz", ro).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedFile, ::testing::ValuesIn(malformed_cases()),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(Container, EveryTruncationIsRejected) {
  const auto f = valid_file();
  for (std::size_t len = 0; len < f.size(); ++len) {
    std::vector<std::uint8_t> cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(len));
    auto c = read_container(cut, "cut.dcz");
    ASSERT_FALSE(c.is_ok()) << len;
    EXPECT_EQ(c.status().code(), ErrorCode::kTruncated) << len << ": " << c.status().to_string();
  }
}

TEST(Container, TruncationWithFixedUpSizeIsRejectedAtEachSection) {
  // A cut at a section boundary whose file_size was rewritten to match: the section walk itself
  // must notice the missing sections.
  const auto f = valid_file();
  for (const auto& s : locate_sections(f)) {
    std::vector<std::uint8_t> cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(s.header_offset));
    testing::put_u64(cut, 32, cut.size());
    reseal(cut);
    auto c = read_container(cut, "cut.dcz");
    ASSERT_FALSE(c.is_ok());
    EXPECT_EQ(c.status().code(), ErrorCode::kTruncated) << s.header_offset;
  }
}

TEST(Container, MessagesNameSectionAndOffset) {
  auto f = valid_file();
  f[sec(f, kData, true)] ^= 0x40;
  auto c = read_container(f, "model.dcz");
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("DATA"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("at byte " + std::to_string(sec(f, kData, true))), std::string::npos)
      << c.status().message();
}

TEST(Container, AnnotationShowsCorruptPartAndGoesOn) {
  auto f = valid_file();
  f[sec(f, kData, true)] ^= 0x40;
  std::vector<AnnotationRow> rows;
  ReadOptions ro;
  ro.annotation = &rows;
  auto c = read_container(f, "model.dcz", ro);
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kBadChecksum);
  bool marked = false, saw_table = false;
  for (const auto& r : rows) {
    marked |= r.problem.find("bad_checksum") != std::string::npos;
    saw_table |= r.meaning == "tensor_count";  // reading went on past the bad DATA
  }
  EXPECT_TRUE(marked);
  EXPECT_TRUE(saw_table);
}

// ---- Stream payload errors in the dense representation ---------------------------------------

TEST(Container, CorruptZstdFrameIsBadCompressedData) {
  auto f = valid_file();
  auto c0 = read_container(f, "m");
  ASSERT_TRUE(c0.is_ok());
  const auto& d = c0->tensors[2].streams[0];
  ASSERT_NE(d.coding, StreamCoding::kRaw);
  // Checksums are resealed, so only zstd's own framing can notice: break the frame magic.
  f[c0->data_offset + d.offset] ^= 0xFF;
  reseal(f);
  auto c = read_container(f, "m");
  ASSERT_TRUE(c.is_ok());
  std::vector<std::uint8_t> out(c->tensors[2].byte_size);
  Status s = decode_tensor(*c, 2, out);
  EXPECT_EQ(s.code(), ErrorCode::kBadCompressedData) << s.to_string();
}

TEST(Container, DecodedSizeMismatchIsRejected) {
  auto f = valid_file();
  const std::uint64_t e = testing::tensor_entry_offset(f, 0);
  const std::uint64_t s0 = e + 32 + 8 * 2 + 1;  // rank 2, name "w", no params
  testing::put_u64(f, s0 + 24, 999);
  reseal(f);
  auto c = read_container(f, "m");
  ASSERT_TRUE(c.is_ok());
  std::vector<std::uint8_t> out(c->tensors[0].byte_size);
  EXPECT_EQ(decode_tensor(*c, 0, out).code(), ErrorCode::kBadSize);
}

}  // namespace
}  // namespace dcz
