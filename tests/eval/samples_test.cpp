// The sample models (samples/, trained by samples/train.py) reach exactly the number of correct
// predictions recorded in samples/*.expected.json, which train.py measured with a float64 numpy
// forward pass of the exported ONNX graph.
#include <nlohmann/json.hpp>

#include "dcz/eval.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";

void expect_expected_accuracy(const char* name) {
  fs::path model = test::source_dir() / "samples" / (std::string(name) + ".onnx");
  fs::path expected_path = test::source_dir() / "samples" / (std::string(name) + ".expected.json");
  if (!fs::exists(model) || !fs::exists(expected_path)) GTEST_SKIP() << "no " << model;
  if (!fs::exists(kFashion)) GTEST_SKIP() << "no " << kFashion << " (Debian dataset-fashion-mnist)";
  auto expected = nlohmann::json::parse(test::read_bytes(expected_path));
  auto dataset = load_dataset({DatasetSpec::Kind::kIdx, kFashion / "t10k-images-idx3-ubyte.gz",
                               kFashion / "t10k-labels-idx1-ubyte.gz"});
  ASSERT_TRUE(dataset.is_ok()) << dataset.status().to_string();
  ASSERT_EQ(dataset->size(), expected["total"].get<std::size_t>());
  EvalOptions options;
  options.preprocess.scale = expected["preprocessing"]["scale"].get<double>();
  options.preprocess.mean = {expected["preprocessing"]["mean"].get<double>()};
  options.preprocess.std = {expected["preprocessing"]["std"].get<double>()};
  options.keep_outputs = true;
  auto report = evaluate_models({EvalModel{name, test::read_bytes(model)}}, *dataset, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->models[0].top1_correct, expected["correct"].get<std::uint64_t>());
  // The first logits agree with the float64 reference to float32 accuracy.
  const auto& first = expected["first_logits"];
  for (std::size_t s = 0; s < first.size(); ++s) {
    for (std::size_t k = 0; k < first[s].size(); ++k) {
      double want = first[s][k].get<double>();
      EXPECT_NEAR(report->models[0].outputs[s * report->classes + k], want, 1e-4 * (1 + std::abs(want)))
          << name << " sample " << s << " class " << k;
    }
  }
}

TEST(Samples, LeNet300100ReachesExpectedCorrectCount) { expect_expected_accuracy("lenet300100"); }
TEST(Samples, LeNet5ReachesExpectedCorrectCount) { expect_expected_accuracy("lenet5"); }

}  // namespace
}  // namespace dcz
