// Accuracy of the real models in ../shared/models on the real test sets in ../shared/data, against
// the reference figures in shared/models/SOURCES.md (measured there with ONNX Runtime 1.30).
// Skipped when ../shared is absent: the product must not need it.
#include <cmath>

#include "dcz/eval.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

struct RealCase {
  const char* model;
  DatasetSpec spec;
  Preprocess preprocess;
  double reference_top1;  // percent, SOURCES.md
};

RealCase mnist_cnn() {
  fs::path data = test::shared_dir() / "data/mnist";
  return {"mnist_cnn.onnx",
          {DatasetSpec::Kind::kIdx, data / "t10k-images-idx3-ubyte.gz", data / "t10k-labels-idx1-ubyte.gz"},
          {1.0 / 255, {0.5}, {0.5}},
          98.77};
}

RealCase cifar_resnet(const char* model, double reference) {
  return {model,
          {DatasetSpec::Kind::kCifar, test::shared_dir() / "data/cifar10/test_batch_from_jpeg.bin", {}},
          {1.0 / 255, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}},
          reference};
}

// Evaluates on the full 10,000 images (the reference figure is for all of them).
void expect_reference_accuracy(const RealCase& c) {
  fs::path model_path = test::shared_dir() / "models" / c.model;
  if (!fs::exists(model_path) || !fs::exists(c.spec.inputs)) GTEST_SKIP() << "no " << model_path;
  auto dataset = load_dataset(c.spec);
  ASSERT_TRUE(dataset.is_ok()) << dataset.status().to_string();
  ASSERT_EQ(dataset->size(), 10000u);
  EvalOptions options;
  options.preprocess = c.preprocess;
  auto report = evaluate_models({EvalModel{c.model, test::read_bytes(model_path)}}, *dataset, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_NEAR(report->models[0].top1(), c.reference_top1, 0.05) << c.model;
  EXPECT_GE(report->models[0].top5(), report->models[0].top1());
}

TEST(RealData, MnistCnnReachesReferenceAccuracy) { expect_reference_accuracy(mnist_cnn()); }

TEST(RealData, CifarResNet20ReachesReferenceAccuracy) {
  expect_reference_accuracy(cifar_resnet("cifar10_resnet20.onnx", 81.03));
}

}  // namespace
}  // namespace dcz
