// External data: loading, and every rejection (absolute, '..', missing, short, bad numbers).
#include <cstring>
#include <fstream>

#include "onnx/test_util.h"

namespace dcz::test {
namespace {

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<float> floats_of(std::span<const std::uint8_t> b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

TEST(ExternalData, LoadsIntoMemory) {
  TempDir dir;
  const auto path = write_external_data_model(dir.path());
  auto m = OnnxModel::load(path);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  const auto w1 = find_tensor(*m, "w1");
  const auto w2 = find_tensor(*m, "w2");
  const auto bias = find_tensor(*m, "bias");
  EXPECT_TRUE(m->tensor(w1).was_external);
  EXPECT_TRUE(m->tensor(w2).was_external);
  EXPECT_FALSE(m->tensor(bias).was_external);
  EXPECT_EQ(floats_of(m->tensor_bytes(w1)), external_model_w1());
  EXPECT_EQ(floats_of(m->tensor_bytes(w2)), external_model_w2());
  // The data no longer depends on the file.
  std::filesystem::remove(dir.path() / "weights.bin");
  EXPECT_EQ(floats_of(m->tensor_bytes(w1)), external_model_w1());
  auto inline_bytes = m->serialize();
  ASSERT_TRUE(inline_bytes.is_ok());
  OnnxModel back = parse_or_die(*inline_bytes);
  EXPECT_FALSE(back.tensor(find_tensor(back, "w1")).was_external);
  EXPECT_EQ(m->first_difference(back), "");
}

TEST(ExternalData, ExplicitFolderOption) {
  TempDir dir;
  const auto path = write_external_data_model(dir.path() / "a");
  std::filesystem::create_directories(dir.path() / "b");
  std::filesystem::rename(dir.path() / "a" / "weights.bin", dir.path() / "b" / "weights.bin");
  EXPECT_EQ(OnnxModel::load(path).status().code(), ErrorCode::kBadExternalData);
  OnnxLoadOptions options;
  options.external_data_dir = dir.path() / "b";
  auto m = OnnxModel::load(path, options);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(floats_of(m->tensor_bytes(find_tensor(*m, "w2"))), external_model_w2());
}

TEST(ExternalData, ParseWithoutFolderRejectsExternalTensors) {
  const std::string bytes = make_external_reference_model("w.bin", 0, 16);
  auto m = OnnxModel::parse(as_span(bytes), {}, "mem");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kBadExternalData);
}

struct Rejection {
  const char* label;
  std::string location;
  std::uint64_t offset;
  std::optional<std::uint64_t> length;
  std::string data_file;   // written as <dir>/<data_file> with 32 bytes
};

class ExternalRejection : public ::testing::TestWithParam<Rejection> {};

TEST_P(ExternalRejection, IsBadExternalDataNamingTensorAndLocation) {
  const Rejection& r = GetParam();
  TempDir dir;
  write_file(dir.path() / "model" / r.data_file, std::string(32, '\x11'));
  write_file(dir.path() / "outside.bin", std::string(32, '\x22'));
  const std::string bytes = make_external_reference_model(r.location, r.offset, r.length);
  auto m = OnnxModel::parse(as_span(bytes), dir.path() / "model", "m.onnx");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kBadExternalData) << m.status().to_string();
  EXPECT_NE(m.status().message().find("'w'"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("m.onnx"), std::string::npos) << m.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ExternalRejection,
    ::testing::Values(
        Rejection{"absolute", "/etc/passwd", 0, 16, "w.bin"},
        Rejection{"dotdot", "../outside.bin", 0, 16, "w.bin"},
        Rejection{"dotdot_inside", "sub/../../outside.bin", 0, 16, "w.bin"},
        Rejection{"missing", "nope.bin", 0, 16, "w.bin"},
        Rejection{"directory", "sub", 0, 16, "sub/w.bin"},
        Rejection{"short", "w.bin", 24, 16, "w.bin"},
        Rejection{"offset_past_end", "w.bin", 33, 0, "w.bin"},
        Rejection{"length_mismatch", "w.bin", 0, 12, "w.bin"},
        Rejection{"length_to_end_mismatch", "w.bin", 8, std::nullopt, "w.bin"},
        Rejection{"empty_location", "", 0, 16, "w.bin"},
        Rejection{"huge_offset", "w.bin", std::uint64_t{1} << 62, 16, "w.bin"}),
    [](const auto& param_info) { return std::string(param_info.param.label); });

TEST(ExternalData, RejectsSymlinkLeavingTheFolder) {
  TempDir dir;
  write_file(dir.path() / "outside.bin", std::string(16, '\0'));
  std::filesystem::create_directories(dir.path() / "model");
  std::filesystem::create_symlink(dir.path() / "outside.bin", dir.path() / "model" / "w.bin");
  const std::string bytes = make_external_reference_model("w.bin", 0, 16);
  auto m = OnnxModel::parse(as_span(bytes), dir.path() / "model", "m.onnx");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kBadExternalData) << m.status().to_string();
  // A link that stays inside the folder is fine.
  write_file(dir.path() / "model" / "real.bin", std::string(16, '\0'));
  std::filesystem::create_symlink("real.bin", dir.path() / "model" / "inner.bin");
  const std::string inner = make_external_reference_model("inner.bin", 0, 16);
  auto ok = OnnxModel::parse(as_span(inner), dir.path() / "model", "m.onnx");
  EXPECT_TRUE(ok.is_ok()) << ok.status().to_string();
}

TEST(ExternalData, AcceptsOffsetAndImplicitLength) {
  TempDir dir;
  std::string data(40, '\0');
  const float v[4] = {1, 2, 3, 4};
  std::memcpy(data.data() + 24, v, 16);
  write_file(dir.path() / "sub" / "w.bin", data);
  const std::string bytes = make_external_reference_model("sub/w.bin", 24, std::nullopt);
  auto m = OnnxModel::parse(as_span(bytes), dir.path(), "m.onnx");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(floats_of(m->tensor_bytes(0)), (std::vector<float>{1, 2, 3, 4}));
}

TEST(ExternalData, RejectsMalformedNumbers) {
  TempDir dir;
  write_file(dir.path() / "w.bin", std::string(16, '\0'));
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_external_reference_model("w.bin", 0, 16)));
  auto* entries = p.mutable_graph()->mutable_initializer(0)->mutable_external_data();
  for (const char* bad : {"-1", "12abc", "", "99999999999999999999", "0x10"}) {
    (*entries)[1].set_value(bad);  // "offset"
    std::string bytes;
    ASSERT_TRUE(p.SerializeToString(&bytes));
    auto m = OnnxModel::parse(as_span(bytes), dir.path(), "m.onnx");
    ASSERT_FALSE(m.is_ok()) << bad;
    EXPECT_EQ(m.status().code(), ErrorCode::kBadExternalData) << bad;
  }
}

}  // namespace
}  // namespace dcz::test
