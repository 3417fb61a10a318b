// Saving: atomic inline files, external data files, the checker.
#include <onnx/checker.h>

#include <fstream>

#include "onnx/test_util.h"

namespace dcz::test {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

bool checker_accepts(const std::filesystem::path& p, std::string& why) {
  try {
    onnx::checker::check_model(p.string());
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
}

std::size_t files_in(const std::filesystem::path& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                                std::filesystem::directory_iterator()));
}

class SaveSynthetic : public ::testing::TestWithParam<std::string> {};

TEST_P(SaveSynthetic, InlineSaveReloadsEqualAndPassesChecker) {
  TempDir dir;
  const std::string input = synthetic_model(GetParam());
  OnnxModel m = parse_or_die(input);
  OnnxSaveOptions options;
  options.check = true;
  const auto path = dir.path() / "out.onnx";
  ASSERT_TRUE(m.save(path, options).is_ok());
  EXPECT_EQ(read_all(path), canonical(input));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out.onnx.data"));
  auto back = OnnxModel::load(path);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(m.first_difference(*back), "");
  std::string why;
  EXPECT_TRUE(checker_accepts(path, why)) << why;
}

TEST_P(SaveSynthetic, ExternalSaveReloadsEqualAndPassesChecker) {
  TempDir dir;
  OnnxModel m = parse_or_die(synthetic_model(GetParam()));
  OnnxSaveOptions options;
  options.external_data = true;
  options.external_threshold = 8;
  const auto path = dir.path() / "out.onnx";
  ASSERT_TRUE(m.save(path, options).is_ok());
  auto back = OnnxModel::load(path);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(m.first_difference(*back), "");
  std::string why;
  EXPECT_TRUE(checker_accepts(path, why)) << why;
  for (std::size_t i = 0; i < back->tensor_count(); ++i) {
    const TensorInfo& t = back->tensor(i);
    // Raw tensors of 8 bytes or more went out; typed ones and sparse parts stay inline.
    const bool sparse = t.site == TensorSite::kSparseValues || t.site == TensorSite::kSparseIndices;
    const bool should = !t.typed_storage && !sparse && back->tensor_bytes(i).size() >= 8;
    EXPECT_EQ(t.was_external, should) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SaveSynthetic, ::testing::ValuesIn(synthetic_model_names()));

TEST(Save, ExternalOffsetsAreAligned) {
  TempDir dir;
  OnnxModel m = parse_or_die(make_conv_model());
  OnnxSaveOptions options;
  options.external_data = true;
  options.external_threshold = 1;
  const auto path = dir.path() / "net.onnx";
  ASSERT_TRUE(m.save(path, options).is_ok());
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "net.onnx.data"));
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(read_all(path)));
  int external = 0;
  for (const auto& t : p.graph().initializer()) {
    ASSERT_EQ(t.data_location(), onnx::TensorProto::EXTERNAL) << t.name();
    EXPECT_FALSE(t.has_raw_data());
    for (const auto& e : t.external_data()) {
      if (e.key() == "location") {
        EXPECT_EQ(e.value(), "net.onnx.data");
      }
      if (e.key() == "offset") {
        EXPECT_EQ(std::stoull(e.value()) % 64, 0u) << t.name();
      }
    }
    ++external;
  }
  EXPECT_EQ(external, 8);
  // The in-memory model is unchanged by saving.
  EXPECT_EQ(m.first_difference(parse_or_die(make_conv_model())), "");
}

TEST(Save, LargeModelsAreForcedToExternalData) {
  TempDir dir;
  OnnxModel m = parse_or_die(make_conv_model());
  OnnxSaveOptions options;
  options.inline_limit = 1000;  // the conv model is about 2 kB inline
  options.external_threshold = 256;
  const auto path = dir.path() / "big.onnx";
  ASSERT_TRUE(m.save(path, options).is_ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "big.onnx.data"));
  EXPECT_LT(std::filesystem::file_size(path), make_conv_model().size() - 864 - 320 + 200);
  auto back = OnnxModel::load(path);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(back->tensor(find_tensor(*back, "conv1.weight")).was_external);
  EXPECT_FALSE(back->tensor(find_tensor(*back, "conv1.bias")).was_external);  // 32 bytes
  EXPECT_EQ(m.first_difference(*back), "");
  // Below the limit the same model stays inline.
  options.inline_limit = 1 << 20;
  ASSERT_TRUE(m.save(dir.path() / "small.onnx", options).is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "small.onnx.data"));
}

TEST(Save, ReplacesAnExistingFileAndLeavesNoTemporaries) {
  TempDir dir;
  const auto path = dir.path() / "m.onnx";
  std::ofstream(path) << "old";
  OnnxModel m = parse_or_die(make_mlp_model({4, 3}, 1));
  ASSERT_TRUE(m.save(path).is_ok());
  EXPECT_EQ(files_in(dir.path()), 1u);
  EXPECT_TRUE(OnnxModel::load(path).is_ok());
}

TEST(Save, FailedCheckWritesNothing) {
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(make_mlp_model({4, 3}, 1)));
  p.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOperator");
  std::string bytes;
  ASSERT_TRUE(p.SerializeToString(&bytes));
  OnnxModel m = parse_or_die(bytes);
  EXPECT_EQ(m.check().code(), ErrorCode::kOnnxCheckFailed);
  TempDir dir;
  OnnxSaveOptions options;
  options.check = true;
  const Status s = m.save(dir.path() / "m.onnx", options);
  EXPECT_EQ(s.code(), ErrorCode::kOnnxCheckFailed);
  EXPECT_EQ(files_in(dir.path()), 0u);
  // Without the check the model is written as it is.
  EXPECT_TRUE(m.save(dir.path() / "m.onnx").is_ok());
}

TEST(Save, UnwritableFolderIsIo) {
  OnnxModel m = parse_or_die(make_mlp_model({4, 3}, 1));
  EXPECT_EQ(m.save("/nonexistent-dir/m.onnx").code(), ErrorCode::kIo);
}

TEST(Save, ExternalRoundTripOfExternalModel) {
  TempDir dir;
  auto m = OnnxModel::load(write_external_data_model(dir.path() / "src"));
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  OnnxSaveOptions options;
  options.external_data = true;
  options.external_threshold = 64;
  const auto path = dir.path() / "dst" / "copy.onnx";
  std::filesystem::create_directories(path.parent_path());
  ASSERT_TRUE(m->save(path, options).is_ok());
  auto back = OnnxModel::load(path);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(m->first_difference(*back), "");
  EXPECT_TRUE(back->tensor(find_tensor(*back, "w1")).was_external);   // 128 bytes
  EXPECT_FALSE(back->tensor(find_tensor(*back, "w2")).was_external);  // 32 bytes
}

TEST(RealModels, SaveAndCheck) {
  const auto models = real_models();
  if (models.empty()) GTEST_SKIP() << "no real models";
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    TempDir dir;
    auto m = OnnxModel::load(path);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    OnnxSaveOptions options;
    options.check = true;
    options.external_data = true;
    const auto out = dir.path() / "model.onnx";
    ASSERT_TRUE(m->save(out, options).is_ok());
    std::string why;
    EXPECT_TRUE(checker_accepts(out, why)) << why;
    auto back = OnnxModel::load(out);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(m->first_difference(*back), "");
  }
}

}  // namespace
}  // namespace dcz::test
