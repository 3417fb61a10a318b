// measure_sensitivity on the bundled LeNet-300-100: the first layer's input energies equal E[x²]
// of the preprocessed pixels computed directly, deeper layers' energies come from OpenCV's blobs,
// gains are measured, results are deterministic, and bad arguments are errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dcz/dataset.h"
#include "dcz/eval.h"
#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"
#include "eval/sensitivity_stats.h"
#include "eval/test_files.h"
#include "support/tool_runner.h"

namespace dcz {
namespace {

constexpr double kScale = 0.00392156862745098;
constexpr std::size_t kSamples = 200;

struct Fixture {
  OnnxModel model;
  Dataset data;
  EvalOptions eval;
};

std::optional<Fixture> load_fixture() {
  const std::filesystem::path fashion = "/usr/share/datasets/fashion-mnist";
  const std::filesystem::path model = test::source_dir() / "samples/lenet300100.onnx";
  if (!std::filesystem::exists(fashion / "train-images-idx3-ubyte.gz") || !std::filesystem::exists(model)) {
    return std::nullopt;
  }
  auto m = OnnxModel::load(model);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  DatasetSpec spec{DatasetSpec::Kind::kIdx, fashion / "train-images-idx3-ubyte.gz",
                   fashion / "train-labels-idx1-ubyte.gz"};
  DatasetLoadOptions load;
  load.limit = kSamples;
  auto d = load_dataset(spec, load);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  if (!m.is_ok() || !d.is_ok()) return std::nullopt;
  Fixture f{std::move(m).value(), std::move(d).value(), {}};
  f.eval.preprocess.scale = kScale;
  return f;
}

TEST(MeasureSensitivity, FirstLayerEnergiesAreTheMeanSquaredPixels) {
  auto f = load_fixture();
  if (!f) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) or the sample model is missing";
  auto stats = measure_sensitivity(f->model, {}, f->data, f->eval, kSamples);
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  EXPECT_EQ(stats->samples, kSamples);
  ASSERT_EQ(stats->weights.size(), 3u);
  const WeightSensitivity& fc1 = stats->weights[0];
  EXPECT_EQ(fc1.name, "fc1.weight");
  EXPECT_EQ(fc1.input_axis, 1u);  // Gemm with transB = 1
  ASSERT_EQ(fc1.input_energy.size(), 784u);
  std::vector<float> pixels(kSamples * 784);
  fill_batch(f->data, 0, kSamples, f->eval.preprocess, pixels.data());
  for (std::size_t j = 0; j < 784; ++j) {
    double sum = 0;
    for (std::size_t s = 0; s < kSamples; ++s) sum += double{pixels[s * 784 + j]} * pixels[s * 784 + j];
    const double expected = sum / kSamples;
    EXPECT_NEAR(fc1.input_energy[j], expected, 1e-6 * expected + 1e-12) << "pixel " << j;
  }
  // The fully connected layer's E[x xᵀ]: symmetric, its diagonal the energies.
  ASSERT_EQ(fc1.input_gram.size(), 784u * 784u);
  for (std::size_t j = 0; j < 784; ++j) {
    EXPECT_NEAR(fc1.input_gram[j * 784 + j], fc1.input_energy[j], 1e-6 * fc1.input_energy[j] + 1e-12);
    EXPECT_EQ(fc1.input_gram[j * 784 + (j * 7 + 3) % 784], fc1.input_gram[((j * 7 + 3) % 784) * 784 + j]);
  }
  // Deeper layers read ReLU outputs: non-negative activations, some energy.
  EXPECT_EQ(stats->weights[1].input_energy.size(), 300u);
  EXPECT_EQ(stats->weights[2].input_energy.size(), 100u);
  for (const WeightSensitivity& w : stats->weights) {
    double total = 0;
    for (const float e : w.input_energy) {
      EXPECT_GE(e, 0.0f);
      total += e;
    }
    EXPECT_GT(total, 0.0) << w.name;
    EXPECT_TRUE(std::isfinite(w.layer_gain) && w.layer_gain > 0.0) << w.name;
  }
}

TEST(MeasureSensitivity, ResultDoesNotDependOnBatchOrThreads) {
  auto f = load_fixture();
  if (!f) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) or the sample model is missing";
  f->eval.batch_size = 64;
  f->eval.threads = 1;
  auto a = measure_sensitivity(f->model, {}, f->data, f->eval, 100);
  f->eval.batch_size = 7;
  f->eval.threads = 2;
  auto b = measure_sensitivity(f->model, {}, f->data, f->eval, 100);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  for (std::size_t l = 0; l < a->weights.size(); ++l) {
    EXPECT_EQ(a->weights[l].input_energy.size(), b->weights[l].input_energy.size());
    for (std::size_t j = 0; j < a->weights[l].input_energy.size(); ++j) {
      EXPECT_NEAR(a->weights[l].input_energy[j], b->weights[l].input_energy[j],
                  1e-5 * a->weights[l].input_energy[j] + 1e-9);
    }
    EXPECT_NEAR(a->weights[l].layer_gain, b->weights[l].layer_gain, 1e-4 * a->weights[l].layer_gain);
  }
}

TEST(MeasureSensitivity, BadArgumentsAreErrors) {
  auto f = load_fixture();
  if (!f) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) or the sample model is missing";
  auto r = measure_sensitivity(f->model, {}, f->data, f->eval, 0);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  Dataset empty = f->data;
  empty.labels.clear();
  empty.pixels.clear();
  r = measure_sensitivity(f->model, {}, empty, f->eval, 10);
  EXPECT_EQ(r.status().code(), ErrorCode::kBadDataset);
  EvalOptions bad = f->eval;
  bad.preprocess.std = {0.0};
  r = measure_sensitivity(f->model, {}, f->data, bad, 10);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  WeightSelection none;
  none.include = {"no_such_tensor"};
  r = measure_sensitivity(f->model, none, f->data, f->eval, 10);
  EXPECT_EQ(r.status().code(), ErrorCode::kNothingToDo);
}

TEST(MeasureSensitivity, QuantizeToolCalibratesOnData) {
  const std::string fashion = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(fashion + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) is missing";
  }
  test::ScratchDir dir;
  const std::string model = (test::source_dir() / "samples/lenet300100.onnx").string();
  const std::string data =
      "idx:" + fashion + "/train-images-idx3-ubyte.gz," + fashion + "/train-labels-idx1-ubyte.gz";
  auto r = testing::run_tool("dcz-quantize",
                             "'" + model + "' -o q.onnx --method rate --lambda 1e-5 --data '" + data +
                                 "' --scale 0.00392156862745098 --calibration 50 --json -",
                             dir.path(), {.work_dir = dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["weighted"], true);
  EXPECT_EQ(j["calibration_samples"], 50);
  EXPECT_NE(j["layers"][0]["gain"], 1.0);
  EXPECT_TRUE(std::filesystem::exists(dir / "q.onnx"));
  // A dataset that cannot be read writes nothing: I/O error, exit 3.
  r = testing::run_tool("dcz-quantize",
                        "'" + model + "' -o q2.onnx --method rate --lambda 1e-5 --data idx:missing,missing",
                        dir.path(), {.work_dir = dir.path()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "q2.onnx"));
}

TEST(MeasureSensitivity, PatchGramSumsTheConvolutionInputPatches) {
  // One 3 × 3 channel, a 2 × 2 kernel, stride 1, one pixel of padding on the bottom and right:
  // output 3 × 3, patches in the weight's (channel, row, column) order, zero outside.
  const std::vector<float> image{1, 2, 3, 4, 5, 6, 7, 8, 9};
  WeightLayer layer;
  layer.strides = {1, 1};
  layer.pads = {0, 0, 1, 1};
  layer.dilations = {1, 1};
  std::vector<double> gram(16, 0.0);
  ASSERT_EQ(eval::add_patch_gram(image.data(), {1, 3, 3}, layer, 2, 2, gram), 9u);
  std::vector<double> expected(16, 0.0);
  auto at = [&](int y, int x) { return y < 3 && x < 3 ? double{image[y * 3 + x]} : 0.0; };
  for (int oy = 0; oy < 3; ++oy) {
    for (int ox = 0; ox < 3; ++ox) {
      const double p[4] = {at(oy, ox), at(oy, ox + 1), at(oy + 1, ox), at(oy + 1, ox + 1)};
      for (int i = 0; i < 4; ++i) {
        for (int j = i; j < 4; ++j) expected[i * 4 + j] += p[i] * p[j];
      }
    }
  }
  EXPECT_EQ(gram, expected);  // upper triangle only
}

TEST(MeasureSensitivity, ConvLayersGetPatchMomentsOnLeNet5) {
  const std::filesystem::path fashion = "/usr/share/datasets/fashion-mnist";
  const std::filesystem::path path = test::source_dir() / "samples/lenet5.onnx";
  if (!std::filesystem::exists(fashion / "train-images-idx3-ubyte.gz") || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "Fashion-MNIST or samples/lenet5.onnx is missing";
  }
  auto model = OnnxModel::load(path);
  ASSERT_TRUE(model.is_ok());
  DatasetSpec spec{DatasetSpec::Kind::kIdx, fashion / "train-images-idx3-ubyte.gz",
                   fashion / "train-labels-idx1-ubyte.gz"};
  auto data = load_dataset(spec, {.limit = 50});
  ASSERT_TRUE(data.is_ok());
  EvalOptions eval;
  eval.preprocess.scale = kScale;
  auto stats = measure_sensitivity(*model, {}, *data, eval, 50);
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  // conv1 reads the graph input alone: a sequential refresh asks OpenCV for no blob at all.
  auto layers = describe_weight_layers(*model, {});
  ASSERT_TRUE(layers.is_ok());
  WeightSensitivity conv1 = stats->weights[0];
  conv1.input_gram.clear();
  ASSERT_TRUE(sequential_refresh(*data, eval, 50)(*model, (*layers)[0], conv1).is_ok());
  EXPECT_EQ(conv1.input_gram, stats->weights[0].input_gram);
  for (const WeightSensitivity& w : stats->weights) {
    const std::size_t k = w.name == "conv1.weight" ? 25 : w.name == "conv2.weight" ? 500
                          : w.name == "fc1.weight" ? 800 : 500;
    ASSERT_EQ(w.input_gram.size(), k * k) << w.name;
    for (std::size_t i = 0; i < k; ++i) {
      EXPECT_GE(w.input_gram[i * k + i], 0.0) << w.name;
      EXPECT_EQ(w.input_gram[i * k + (i + 1) % k], w.input_gram[((i + 1) % k) * k + i]) << w.name;
    }
  }
}

TEST(MeasureSensitivity, SequentialRefreshRemeasuresOneLayer) {
  auto f = load_fixture();
  if (!f) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) or the sample model is missing";
  auto stats = measure_sensitivity(f->model, {}, f->data, f->eval, kSamples);
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  auto layers = describe_weight_layers(f->model, {});
  ASSERT_TRUE(layers.is_ok());
  const auto refresh = sequential_refresh(f->data, f->eval, kSamples);
  WeightSensitivity fc2 = stats->weights[1];
  fc2.input_energy.assign(fc2.input_energy.size(), -1.0f);
  fc2.input_gram.clear();
  ASSERT_TRUE(refresh(f->model, (*layers)[1], fc2).is_ok());
  ASSERT_EQ(fc2.input_energy.size(), stats->weights[1].input_energy.size());
  for (std::size_t j = 0; j < fc2.input_energy.size(); ++j) {
    EXPECT_NEAR(fc2.input_energy[j], stats->weights[1].input_energy[j], 1e-6 * stats->weights[1].input_energy[j] + 1e-12);
  }
  EXPECT_EQ(fc2.input_gram.size(), stats->weights[1].input_gram.size());
  EXPECT_EQ(fc2.layer_gain, stats->weights[1].layer_gain);  // kept

}

}  // namespace
}  // namespace dcz

namespace dcz {
namespace {

std::vector<double> floats_of(const OnnxModel& m, const std::string& name) {
  for (std::size_t t = 0; t < m.tensor_count(); ++t) {
    if (m.tensor(t).name != name) continue;
    const auto bytes = m.tensor_bytes(t);
    std::vector<double> v(bytes.size() / 4);
    for (std::size_t i = 0; i < v.size(); ++i) {
      float f;
      std::memcpy(&f, bytes.data() + 4 * i, 4);
      v[i] = f;
    }
    return v;
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

// y = W x + b for W [out, in].
std::vector<double> affine(const std::vector<double>& w, const std::vector<double>& b,
                           const std::vector<double>& x) {
  std::vector<double> y(b);
  for (std::size_t o = 0; o < b.size(); ++o) {
    for (std::size_t j = 0; j < x.size(); ++j) y[o] += w[o * x.size() + j] * x[j];
  }
  return y;
}

// The output-side matrices of LeNet-300-100, measured by shifting biases through OpenCV, against
// E[JᵀJ] computed here from the weights: J = W3 for fc3 (G = I), W3 D2 for fc2 and
// W3 D2 W2 D1 for fc1, with D the ReLU gates of each sample.
TEST(MeasureSensitivity, OutputGramsMatchTheJacobiansOfLeNet300100) {
  auto f = load_fixture();
  if (!f) GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) or the sample model is missing";
  constexpr std::size_t kCalibration = 100;
  auto s = measure_sensitivity(f->model, {}, f->data, f->eval, kCalibration);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->weights.size(), 3u);
  const auto w1 = floats_of(f->model, "fc1.weight"), b1 = floats_of(f->model, "fc1.bias");
  const auto w2 = floats_of(f->model, "fc2.weight"), b2 = floats_of(f->model, "fc2.bias");
  const auto w3 = floats_of(f->model, "fc3.weight");
  std::vector<double> g1(300 * 300, 0.0), g2(100 * 100, 0.0);
  for (std::size_t i = 0; i < kCalibration; ++i) {
    const std::size_t sample = i * f->data.size() / kCalibration;
    std::vector<double> x(784);
    for (std::size_t j = 0; j < 784; ++j) {
      x[j] = static_cast<float>(f->data.pixels[sample * 784 + j] * static_cast<float>(kScale));
    }
    std::vector<double> h1 = affine(w1, b1, x);
    std::vector<bool> d1(300), d2(100);
    for (std::size_t j = 0; j < 300; ++j) d1[j] = h1[j] > 0, h1[j] = std::max(h1[j], 0.0);
    const std::vector<double> h2 = affine(w2, b2, h1);
    for (std::size_t j = 0; j < 100; ++j) d2[j] = h2[j] > 0;
    std::vector<double> j2(10 * 100, 0.0), j1(10 * 300, 0.0);  // d logits / d output
    for (std::size_t c = 0; c < 10; ++c) {
      for (std::size_t r = 0; r < 100; ++r) j2[c * 100 + r] = d2[r] ? w3[c * 100 + r] : 0.0;
      for (std::size_t r = 0; r < 300; ++r) {
        if (!d1[r]) continue;
        for (std::size_t k = 0; k < 100; ++k) j1[c * 300 + r] += j2[c * 100 + k] * w2[k * 300 + r];
      }
    }
    for (std::size_t c = 0; c < 10; ++c) {
      for (std::size_t a = 0; a < 100; ++a) {
        for (std::size_t b = 0; b < 100; ++b) g2[a * 100 + b] += j2[c * 100 + a] * j2[c * 100 + b] / kCalibration;
      }
      for (std::size_t a = 0; a < 300; ++a) {
        if (j1[c * 300 + a] == 0.0) continue;
        for (std::size_t b = 0; b < 300; ++b) g1[a * 300 + b] += j1[c * 300 + a] * j1[c * 300 + b] / kCalibration;
      }
    }
  }
  auto relative_error = [](const std::vector<double>& measured, const std::vector<double>& exact) {
    double diff = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      diff += (measured[i] - exact[i]) * (measured[i] - exact[i]);
      norm += exact[i] * exact[i];
    }
    return std::sqrt(diff / norm);
  };
  ASSERT_EQ(s->weights[0].output_gram.size(), g1.size());
  ASSERT_EQ(s->weights[1].output_gram.size(), g2.size());
  ASSERT_EQ(s->weights[2].output_gram.size(), 100u);
  // ReLUs that the ε shift switches make the finite difference differ a little from the gates.
  EXPECT_LT(relative_error(s->weights[0].output_gram, g1), 0.05);
  EXPECT_LT(relative_error(s->weights[1].output_gram, g2), 0.05);
  for (std::size_t a = 0; a < 10; ++a) {
    for (std::size_t b = 0; b < 10; ++b) {
      EXPECT_NEAR(s->weights[2].output_gram[a * 10 + b], a == b ? 1.0 : 0.0, 1e-3) << a << "," << b;
    }
  }
  // Symmetric, as E[JᵀJ] is.
  const auto& g = s->weights[0].output_gram;
  for (std::size_t a = 0; a < 300; ++a) {
    for (std::size_t b = 0; b < a; ++b) EXPECT_EQ(g[a * 300 + b], g[b * 300 + a]);
  }
}

}  // namespace
}  // namespace dcz

namespace dcz {
namespace {

TEST(MeasureSensitivity, OutputGramPlanStaysWithinItsWork) {
  using eval::plan_output_grams;
  // LeNet-5: fc1 and fc2 at 1000 samples of a 1.7 MB model.
  EXPECT_EQ(plan_output_grams({500, 10}, 1000, 1'725'770), (std::vector<bool>{true, true}));
  // VGG-16's classifier: 1000 passes over 553 MB would take hours.
  EXPECT_EQ(plan_output_grams({0, 0, 1000}, 500, 553'433'969), (std::vector<bool>{false, false, false}));
  // In order while the work fits: the second layer would exceed it, the third still fits.
  const std::uint64_t bytes = static_cast<std::uint64_t>(eval::kOutputGramWork / 1000 / 600);
  EXPECT_EQ(plan_output_grams({500, 500, 10}, 1000, bytes), (std::vector<bool>{true, false, true}));
  // Not measurable (0 outputs) is never planned.
  EXPECT_EQ(plan_output_grams({0}, 1000, 1), (std::vector<bool>{false}));
}

}  // namespace
}  // namespace dcz
