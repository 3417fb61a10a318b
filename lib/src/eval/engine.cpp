// dcz::Engine over OpenCV 4.6 dnn.
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "dcz/eval.h"
#include "eval/onnx_signature.h"

namespace dcz {

namespace {

constexpr std::int32_t kOnnxFloat = 1;

const char* onnx_type_name(std::int32_t t) {
  static const char* names[] = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                "string", "bool", "float16", "float64", "uint32", "uint64", "complex64",
                                "complex128", "bfloat16"};
  return t >= 0 && t < 17 ? names[t] : "unknown";
}

std::string dims_text(std::span<const std::int64_t> dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "×";
    s += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  return s.empty() ? "scalar" : s;
}

std::string between(const std::string& text, std::string_view open, std::string_view close) {
  std::size_t a = text.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  std::size_t b = text.find(close, a);
  return b == std::string::npos ? std::string() : text.substr(a, b - a);
}

// OpenCV's importer reports "Node [Op@domain]:(onnx_node!name) parse error: OpenCV(4.6.0) file:line:
// error: (-2:Unspecified error) <reason> in function 'f'". Keeps the node, the op and the reason.
std::string describe_cv_error(const cv::Exception& e) {
  const std::string& text = e.msg;
  std::string op = between(text, "Node [", "]");
  std::string node = between(text, "]:(", ")");
  if (node.rfind("onnx_node!", 0) == 0) node = node.substr(10);
  std::string reason = text;
  std::size_t last_error = text.rfind("error: (");
  if (last_error != std::string::npos) {
    std::size_t close = text.find(") ", last_error);
    if (close != std::string::npos) reason = text.substr(close + 2);
  }
  std::size_t in_function = reason.rfind(" in function");
  if (in_function != std::string::npos) reason.resize(in_function);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ' || reason.back() == '>')) {
    reason.pop_back();
  }
  if (op.empty()) return reason;
  return "node '" + node + "' (op " + op + "): " + reason;
}

void silence_opencv_log() {
  static std::once_flag once;
  // Our Status carries the reason; OpenCV would also print it to stderr.
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

}  // namespace

struct Engine::Impl {
  std::string name;
  ModelSignature signature;
  cv::dnn::Net net;
  std::vector<float> padded;  // a fixed-batch model's last, zero-padded chunk
  // OpenCV 4.6 folds Shape→Gather→Reshape chains (torch's flatten) at import time for batch 1,
  // so such a model fails on larger batches; after the first such failure it runs one by one.
  bool single_sample = false;

  Status run_chunk(const float* data, std::size_t n, std::size_t chunk, const std::vector<int>& sample_dims,
                   std::vector<float>& outputs, std::size_t& classes);
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

const ModelSignature& Engine::signature() const { return impl_->signature; }
const std::string& Engine::name() const { return impl_->name; }

void set_engine_threads(unsigned threads) {
  if (threads) cv::setNumThreads(static_cast<int>(threads));
}

Result<Engine> Engine::create(const EvalModel& model) {
  silence_opencv_log();
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(model.onnx.data()), model.onnx.size());
  DCZ_ASSIGN_OR_RETURN(ModelSignature signature, eval::read_model_signature(bytes, model.name));
  const ModelTensor& in = signature.input;
  if (in.elem_type != kOnnxFloat) {
    return make_error(ErrorCode::kShapeMismatch,
                      model.name + ": input '" + in.name + "' is " + onnx_type_name(in.elem_type) +
                          "; dcz-eval feeds float32 images (a model with no float input cannot be evaluated)");
  }
  auto impl = std::make_unique<Impl>();
  impl->name = model.name;
  impl->signature = std::move(signature);
  try {
    impl->net = cv::dnn::readNetFromONNX(model.onnx.data(), model.onnx.size());
    impl->net.enableFusion(false);
    impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kEngineFailed,
                      model.name + ": OpenCV dnn 4.6 cannot import the model: " + describe_cv_error(e));
  }
  return Engine(std::move(impl));
}

Status Engine::check_sample_shape(std::span<const std::int64_t> sample_shape) const {
  const ModelTensor& in = impl_->signature.input;
  if (!in.has_shape) return Status::ok();
  auto mismatch = [&] {
    return make_error(ErrorCode::kShapeMismatch,
                      "dataset samples are " + dims_text(sample_shape) + " but model " + impl_->name +
                          " input '" + in.name + "' is " + dims_text(in.dims) + " (batch first)");
  };
  if (in.dims.empty()) return mismatch();
  std::int64_t elements = 1;
  for (std::int64_t d : sample_shape) elements *= d;
  if (in.dims.size() == 2 && sample_shape.size() != 1) {
    return in.dims[1] < 0 || in.dims[1] == elements ? Status::ok() : mismatch();
  }
  if (in.dims.size() != sample_shape.size() + 1) return mismatch();
  for (std::size_t i = 0; i < sample_shape.size(); ++i) {
    if (in.dims[i + 1] >= 0 && in.dims[i + 1] != sample_shape[i]) return mismatch();
  }
  return Status::ok();
}

// One forward pass of `chunk` samples of which the first `n` are real (the rest zero padding);
// appends n × classes outputs.
Status Engine::Impl::run_chunk(const float* data, std::size_t n, std::size_t chunk, const std::vector<int>& sample_dims,
                               std::vector<float>& outputs, std::size_t& classes) {
  std::size_t elements = 1;
  for (int d : sample_dims) elements *= static_cast<std::size_t>(d);
  if (n < chunk) {
    padded.assign(chunk * elements, 0.0f);
    std::memcpy(padded.data(), data, n * elements * sizeof(float));
    data = padded.data();
  }
  std::vector<int> sizes{static_cast<int>(chunk)};
  sizes.insert(sizes.end(), sample_dims.begin(), sample_dims.end());
  try {
    cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, const_cast<float*>(data));
    net.setInput(blob, signature.input.name);
    cv::Mat out = net.forward();
    if (out.type() != CV_32F || out.total() == 0 || out.total() % chunk != 0) {
      return make_error(ErrorCode::kEngineFailed, name + ": output of " + std::to_string(out.total()) +
                                                      " values does not split into " + std::to_string(chunk) +
                                                      " samples");
    }
    std::size_t per = out.total() / chunk;
    if (classes && per != classes) {
      return make_error(ErrorCode::kEngineFailed, name + ": output size changed between batches");
    }
    classes = per;
    cv::Mat flat = out.isContinuous() ? out : out.clone();
    const float* o = flat.ptr<float>();
    outputs.insert(outputs.end(), o, o + n * per);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kEngineFailed, name + ": OpenCV dnn failed to run the model: " + describe_cv_error(e));
  }
  return Status::ok();
}

Status Engine::run(const float* inputs, std::size_t count, std::span<const std::int64_t> sample_shape,
                   std::vector<float>& outputs, std::size_t& classes) {
  DCZ_TRY(check_sample_shape(sample_shape));
  const ModelTensor& in = impl_->signature.input;
  std::size_t elements = 1;
  for (std::int64_t d : sample_shape) elements *= static_cast<std::size_t>(d);
  std::vector<int> dims;
  if (in.has_shape && in.dims.size() == 2 && sample_shape.size() != 1) {
    dims.push_back(static_cast<int>(elements));  // a flat [N, K] input
  } else {
    for (std::int64_t d : sample_shape) dims.push_back(static_cast<int>(d));
  }
  outputs.clear();
  classes = 0;
  std::size_t fixed_batch = in.has_shape && !in.dims.empty() && in.dims[0] > 0 ? in.dims[0] : 0;
  if (fixed_batch == 0 && !impl_->single_sample) {
    if (count <= 1) return impl_->run_chunk(inputs, count, count, dims, outputs, classes);
    if (impl_->run_chunk(inputs, count, count, dims, outputs, classes)) return Status::ok();
    // Retry one sample at a time; a genuine error recurs there and is returned.
    impl_->single_sample = true;
    outputs.clear();
    classes = 0;
  }
  std::size_t chunk = fixed_batch ? fixed_batch : 1;
  for (std::size_t first = 0; first < count; first += chunk) {
    std::size_t n = std::min(chunk, count - first);
    DCZ_TRY(impl_->run_chunk(inputs + first * elements, n, chunk, dims, outputs, classes));
  }
  return Status::ok();
}

}  // namespace dcz
