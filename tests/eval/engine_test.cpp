// The OpenCV engine and evaluate_models on hand-made models (tests/eval/data/make_models.py).
#include <unistd.h>

#include "dcz/eval.h"
#include "eval/test_files.h"

namespace dcz {
namespace {

EvalModel read_model(std::string_view file) {
  return EvalModel{std::string(file), test::read_bytes(test::eval_data(file))};
}

// tiny_mlp.onnx: logits_k = pixel_k + 0.1 × pixel_3 for k < 3, so the class is the brightest of
// the first three pixels. Sample i lights pixel i % 3; every fourth label is deliberately wrong.
Dataset tiny_dataset(std::size_t n) {
  Dataset d;
  d.name = "tiny";
  d.sample_shape = {1, 2, 2};
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t px[4] = {10, 10, 10, static_cast<std::uint8_t>(i % 7)};
    px[i % 3] = 200;
    d.pixels.insert(d.pixels.end(), px, px + 4);
    d.labels.push_back(i % 4 == 3 ? static_cast<std::int64_t>((i + 1) % 3) : static_cast<std::int64_t>(i % 3));
  }
  return d;
}

std::uint64_t expected_correct(std::size_t n) {
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += i % 4 != 3;
  return c;
}

TEST(Engine, RunsTinyModelAndScoresExactly) {
  Dataset d = tiny_dataset(50);
  EvalOptions options;
  options.batch_size = 7;  // a ragged last batch
  auto report = evaluate_models({read_model("tiny_mlp.onnx")}, d, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->samples, 50u);
  EXPECT_EQ(report->classes, 3u);
  const ModelAccuracy& m = report->models[0];
  EXPECT_EQ(m.top1_correct, expected_correct(50));
  EXPECT_EQ(m.top5_correct, 50u);  // top-3 of 3 classes
  EXPECT_EQ(m.top1_agree, 50u);
  EXPECT_EQ(m.max_abs_diff, 0.0);
}

TEST(Engine, OutputsMatchTheModelsArithmetic) {
  Dataset d = tiny_dataset(4);
  EvalOptions options;
  options.keep_outputs = true;
  auto report = evaluate_models({read_model("tiny_mlp.onnx")}, d, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  const auto& out = report->models[0].outputs;
  ASSERT_EQ(out.size(), 12u);
  for (std::size_t s = 0; s < 4; ++s) {
    for (std::size_t k = 0; k < 3; ++k) {
      float expected = d.pixels[s * 4 + k] + 0.1f * d.pixels[s * 4 + 3];
      EXPECT_NEAR(out[s * 3 + k], expected, 1e-4) << s << "," << k;
    }
  }
}

TEST(Engine, ComparesModelsWithTheFirst) {
  Dataset d = tiny_dataset(30);
  EvalModel a = read_model("tiny_mlp.onnx");
  EvalModel b = a;
  b.name = "copy";
  auto report = evaluate_models({a, b}, d, {});
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  ASSERT_EQ(report->models.size(), 2u);
  EXPECT_EQ(report->models[1].top1_agree, 30u);
  EXPECT_EQ(report->models[1].max_abs_diff, 0.0);
  EXPECT_EQ(report->models[1].top1_correct, report->models[0].top1_correct);
  std::string json = format_report_json(*report);
  EXPECT_NE(json.find("\"top1_correct\": " + std::to_string(expected_correct(30))), std::string::npos) << json;
  EXPECT_NE(format_report_text(*report).find("copy"), std::string::npos);
}

TEST(Engine, ResultsDoNotDependOnThreadsOrBatchSize) {
  Dataset d = tiny_dataset(40);
  EvalOptions one;
  one.threads = 1;
  one.batch_size = 1;
  one.keep_outputs = true;
  EvalOptions two = one;
  two.threads = 2;
  two.batch_size = 16;
  auto r1 = evaluate_models({read_model("tiny_mlp.onnx")}, d, one);
  auto r2 = evaluate_models({read_model("tiny_mlp.onnx")}, d, two);
  ASSERT_TRUE(r1.is_ok() && r2.is_ok());
  EXPECT_EQ(r1->models[0].outputs, r2->models[0].outputs);
  EXPECT_EQ(format_report_json(*r1), format_report_json(*r2));
}

TEST(Engine, RejectsModelWithoutFloatInput) {
  auto e = Engine::create(read_model("int_input.onnx"));
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(e.status().message().find("'ids' is int64"), std::string::npos) << e.status().to_string();
}

TEST(Engine, NamesTheOpOpenCvCannotImport) {
  auto e = Engine::create(read_model("unsupported_op.onnx"));
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kEngineFailed);
  EXPECT_NE(e.status().message().find("node 'determinant' (op Det@ai.onnx)"), std::string::npos)
      << e.status().to_string();
}

TEST(Engine, RejectsGarbageAsBadOnnx) {
  auto e = Engine::create(EvalModel{"garbage", std::string("\x0a\xff\xff\xff\xff\x0f", 6)});
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kBadOnnx);
}

TEST(Engine, RejectsDatasetOfTheWrongShape) {
  Dataset d = tiny_dataset(3);
  d.sample_shape = {1, 1, 4};
  auto report = evaluate_models({read_model("tiny_mlp.onnx")}, d, {});
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(report.status().message().find("1×1×4"), std::string::npos) << report.status().to_string();
}

TEST(Engine, RejectsLabelOutOfRange) {
  Dataset d = tiny_dataset(10);
  d.labels[6] = 3;
  auto report = evaluate_models({read_model("tiny_mlp.onnx")}, d, {});
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kBadDataset);
  EXPECT_NE(report.status().message().find("label 3 of sample 6"), std::string::npos) << report.status().to_string();
}

TEST(Engine, DumpsInputsModelsAndOutputs) {
  test::ScratchDir dir;
  Dataset d = tiny_dataset(5);
  EvalOptions options;
  options.keep_outputs = true;
  std::vector<EvalModel> models{read_model("tiny_mlp.onnx")};
  auto report = evaluate_models(models, d, options);
  ASSERT_TRUE(report.is_ok());
  ASSERT_TRUE(dump_outputs(dir.path(), models, d, options, *report).is_ok());
  EXPECT_EQ(test::read_bytes(dir / "model_0.onnx"), models[0].onnx);
  // 128-byte header (aligned to 64) + 5 × 4 floats; + 5 × 3 floats.
  EXPECT_EQ(test::read_bytes(dir / "inputs.npy").size(), 128u + 5 * 4 * 4);
  EXPECT_EQ(test::read_bytes(dir / "opencv_0.npy").size(), 128u + 5 * 3 * 4);
}

}  // namespace
}  // namespace dcz
