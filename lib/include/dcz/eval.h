// Accuracy of ONNX models on a labelled dataset, run in-process by OpenCV's dnn module.
//
// The engine takes self-contained serialized ONNX (no external data: OpenCV 4.6 crashes on it),
// disables layer fusion (it silently gave wrong results on MatMul + scalar Mul), and turns
// cv::Exception into kEngineFailed with a message naming the node and op it could not import.
// Results do not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/dataset.h"
#include "dcz/status.h"

namespace dcz {

// A graph input or output as declared in the ONNX file.
struct ModelTensor {
  std::string name;
  std::int32_t elem_type = 0;       // onnx TensorProto.DataType: 1 = float32
  bool has_shape = false;
  std::vector<std::int64_t> dims;   // -1 for a symbolic or unknown dimension
};

struct ModelSignature {
  ModelTensor input;    // the one runtime input (graph inputs that are not initializers)
  ModelTensor output;   // the first graph output: the logits
};

// A model ready to evaluate: its name in reports and its serialized, self-contained ONNX.
struct EvalModel {
  std::string name;
  std::string onnx;
};

// Loads a .onnx (external data made inline) or a .dcz (decoded in memory with decode_model),
// recognised by the container's magic bytes, not the file name.
Result<EvalModel> load_eval_model(const std::filesystem::path& path);

// One OpenCV dnn network. Not thread-safe; create one per thread.
class Engine {
 public:
  // Parses the model and checks that its input is float32 (kShapeMismatch otherwise).
  // kEngineFailed when OpenCV cannot import it; the message names the node and op.
  static Result<Engine> create(const EvalModel& model);
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  const ModelSignature& signature() const;
  const std::string& name() const;

  // kShapeMismatch unless one sample of `sample_shape` fits the model input: same rank after the
  // batch dimension with equal fixed dims, or a rank-2 input [N, K] with K = the sample's element
  // count (the sample is flattened).
  Status check_sample_shape(std::span<const std::int64_t> sample_shape) const;

  // Runs `count` preprocessed samples (count × sample elements floats) and returns count × classes
  // outputs in `outputs`; classes is the output's element count per sample. A model with a fixed
  // batch size B runs in chunks of B (the last one zero-padded).
  Status run(const float* inputs, std::size_t count, std::span<const std::int64_t> sample_shape,
             std::vector<float>& outputs, std::size_t& classes);

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// OpenCV's own thread count (cv::setNumThreads); 0 keeps its default (all cores).
void set_engine_threads(unsigned threads);

struct EvalOptions {
  Preprocess preprocess;
  std::size_t batch_size = 100;
  unsigned threads = 0;            // see set_engine_threads
  bool keep_outputs = false;       // fill ModelAccuracy::outputs (for --dump-outputs)
  // Called after each batch with (samples done, total), from the calling thread.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct ModelAccuracy {
  std::string name;
  std::uint64_t samples = 0;
  std::uint64_t top1_correct = 0;
  std::uint64_t top5_correct = 0;   // top-min(5, classes)
  std::uint64_t top1_agree = 0;     // samples whose top-1 class equals the first model's
  double max_abs_diff = 0;          // of the outputs against the first model's
  double mean_abs_diff = 0;
  std::vector<float> outputs;       // samples × classes, when EvalOptions::keep_outputs

  double top1() const { return samples ? 100.0 * top1_correct / samples : 0; }
  double top5() const { return samples ? 100.0 * top5_correct / samples : 0; }
  double agreement() const { return samples ? 100.0 * top1_agree / samples : 0; }
};

struct EvalReport {
  std::string dataset;
  std::uint64_t samples = 0;
  std::size_t classes = 0;
  std::vector<ModelAccuracy> models;  // in the order given; the first is the reference
};

// Evaluates every model on the whole dataset, batch by batch. Errors: kShapeMismatch (dataset vs
// model input, or models with different output sizes), kBadDataset (a label ≥ the model's class
// count, naming the sample), kEngineFailed, kInvalidArgument (preprocess vs channels).
Result<EvalReport> evaluate_models(const std::vector<EvalModel>& models, const Dataset& dataset,
                                   const EvalOptions& options);

// Human-readable table and the --json document of a report.
std::string format_report_text(const EvalReport& report);
std::string format_report_json(const EvalReport& report);

// Writes, for the ONNX Runtime check: inputs.npy (the preprocessed samples, float32
// [N, sample shape...]), labels.npy (int64 [N]), and per model i: model_<i>.onnx (the exact
// bytes OpenCV ran) and opencv_<i>.npy (its outputs, float32 [N, classes]). `report` must come
// from evaluate_models with keep_outputs on the same dataset and options.
Status dump_outputs(const std::filesystem::path& dir, const std::vector<EvalModel>& models,
                    const Dataset& dataset, const EvalOptions& options, const EvalReport& report);

}  // namespace dcz
