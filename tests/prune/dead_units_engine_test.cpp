// Dead-unit elimination is exact: the model's outputs keep every bit, measured by running the
// model before and after in dcz_eval's OpenCV engine on random inputs.
#include <gtest/gtest.h>

#include <cstring>

#include "dcz/dead_units.h"
#include "dcz/eval.h"
#include "dcz/onnx_model.h"
#include "prune/dead_units_fixtures.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

using test::DeadUnitModelOptions;

std::vector<float> run(const std::string& onnx, const std::vector<float>& inputs, std::size_t count,
                       const std::vector<std::int64_t>& sample_shape) {
  auto engine = Engine::create(EvalModel{"model", onnx});
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  if (!engine.is_ok()) return {};
  std::vector<float> outputs;
  std::size_t classes = 0;
  const Status s = engine->run(inputs.data(), count, sample_shape, outputs, classes);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return outputs;
}

// Runs `bytes` before and after eliminate_dead_units on `count` random samples; the outputs must
// be bit-identical and the pass must have changed something (else the comparison proves nothing).
void expect_same_outputs(const std::string& bytes, std::size_t count, const std::vector<std::int64_t>& sample_shape) {
  auto model = OnnxModel::parse(test::as_span(bytes), {}, "test model");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  auto report = eliminate_dead_units(*model, {});
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_GT(report->weights_zeroed, 0u);
  auto after = model->serialize();
  ASSERT_TRUE(after.is_ok());
  std::size_t per_sample = 1;
  for (auto d : sample_shape) per_sample *= static_cast<std::size_t>(d);
  test::TestRng rng(11);
  std::vector<float> inputs(count * per_sample);
  for (float& x : inputs) x = rng.normal_float(1.0f);
  const std::vector<float> a = run(bytes, inputs, count, sample_shape);
  const std::vector<float> b = run(*after, inputs, count, sample_shape);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

// (Not fc1_trans_b = false: OpenCV 4.6 cannot import a Gemm with transB = 0 and a bias.)
TEST(DeadUnitsEngine, OutputsBitIdentical) {
  for (const DeadUnitModelOptions& o :
       {DeadUnitModelOptions{}, DeadUnitModelOptions{.flatten = "Reshape0"},
        DeadUnitModelOptions{.conv1_channel2_via_dead_filters = true},
        DeadUnitModelOptions{.conv1_channel3_zero = true},
        DeadUnitModelOptions{.act1 = "BatchNormalization", .conv1_channel2_via_dead_filters = true}}) {
    SCOPED_TRACE(o.act1 + " " + o.flatten);
    expect_same_outputs(test::make_dead_unit_model(o), 16, {1, 14, 14});
  }
}

TEST(DeadUnitsEngine, MatMulChainOutputsBitIdentical) {
  expect_same_outputs(test::make_matmul_chain_model(3), 16, {8});
}

}  // namespace
}  // namespace dcz
