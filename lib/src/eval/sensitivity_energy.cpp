// measure_input_energies: the inputs of the weight layers, read back from OpenCV dnn as extra
// outputs, reduced to E[x_j²] per input channel. OpenCV 4.6's importer names a layer
// "onnx_node!<node name>", or "onnx_output!<first output>" for an unnamed node; a layer input is
// read as the output of the layer of the node producing it. Net::forward crashes on an unknown
// name (it does not throw), so names are checked with getLayerId first.
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <functional>
#include <map>

#include "eval/onnx_signature.h"
#include "eval/sensitivity_stats.h"

namespace dcz::eval {
namespace {

// Σ x² per input channel of one layer, and how many values each channel summed; with
// want_gram also Σ x xᵀ of the inputs of one output (features, or conv patches).
struct EnergySum {
  std::vector<double> sum;
  std::uint64_t rows = 0;  // per channel
  bool valid = true;
  bool want_gram = false;
  const WeightLayer* layer = nullptr;
  std::int64_t kernel_h = 0, kernel_w = 0;  // conv patches
  std::size_t gram_size = 0;                // K
  std::vector<double> gram;                 // upper triangle, K × K
  std::uint64_t gram_rows = 0;
};

// Adds `count` samples of a blob whose per-sample dims are `dims`. Conv: dims[0] is the channel
// axis, averaged over positions. Gemm / MatMul: a flat sample of `channels` features, or a last
// axis of `channels` averaged over the others. Anything else invalidates the layer's energies.
void accumulate(const float* data, std::size_t count, const std::vector<int>& dims, bool conv,
                EnergySum& e) {
  const std::size_t channels = e.sum.size();
  std::size_t elements = 1;
  for (const int d : dims) elements *= static_cast<std::size_t>(d);
  if (conv && (dims.empty() || static_cast<std::size_t>(dims[0]) != channels)) e.valid = false;
  if (!conv && elements != channels && (dims.empty() || static_cast<std::size_t>(dims.back()) != channels)) {
    e.valid = false;
  }
  if (!e.valid) return;
  const std::size_t rows = elements / channels;
  if (e.want_gram && ((!conv && rows != 1) || (conv && dims.size() != 3))) e.want_gram = false;
  if (e.want_gram) {
    if (e.gram.empty()) e.gram.assign(e.gram_size * e.gram_size, 0.0);
    for (std::size_t s = 0; s < count; ++s) {
      const float* x = data + s * elements;
      e.gram_rows += conv ? add_patch_gram(x, dims, *e.layer, e.kernel_h, e.kernel_w, e.gram)
                          : add_gram(x, channels, e.gram);
    }
  }
  for (std::size_t s = 0; s < count; ++s) {
    const float* x = data + s * elements;
    for (std::size_t i = 0; i < elements; ++i) {
      const std::size_t c = conv ? i / rows : i % channels;
      e.sum[c] += static_cast<double>(x[i]) * x[i];
    }
  }
  e.rows += count * rows;
}

std::vector<int> sample_dims_of(const cv::Mat& blob) {
  return std::vector<int>(blob.size.p + 1, blob.size.p + blob.dims);
}

class BlobReader {
 public:
  BlobReader(const EvalModel& model, const ModelSignature& signature, const CalibrationBatch& batch)
      : signature_(signature), batch_(batch) {
    net_ = cv::dnn::readNetFromONNX(model.onnx.data(), model.onnx.size());
    net_.enableFusion(false);
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    std::size_t elements = 1;
    for (const std::int64_t d : batch.sample_shape) elements *= static_cast<std::size_t>(d);
    elements_ = elements;
    const ModelTensor& in = signature.input;
    if (in.has_shape && in.dims.size() == 2 && batch.sample_shape.size() != 1) {
      dims_.push_back(static_cast<int>(elements));
    } else {
      for (const std::int64_t d : batch.sample_shape) dims_.push_back(static_cast<int>(d));
    }
    fixed_batch_ = in.has_shape && !in.dims.empty() && in.dims[0] > 0 ? in.dims[0] : 0;
  }

  // Runs samples [first, first + n) as one chunk of `chunk` (zero-padded) and returns the blobs.
  std::vector<cv::Mat> run(std::size_t first, std::size_t n, std::size_t chunk,
                           const std::vector<cv::String>& names) {
    if (names.empty()) return {};  // forward() with no names crashes; only the input is read
    std::vector<float> data(chunk * elements_, 0.0f);
    std::copy_n(batch_.inputs.data() + first * elements_, n * elements_, data.data());
    std::vector<int> sizes{static_cast<int>(chunk)};
    sizes.insert(sizes.end(), dims_.begin(), dims_.end());
    cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, data.data());
    net_.setInput(blob, signature_.input.name);
    std::vector<cv::Mat> outs;
    net_.forward(outs, names);
    for (cv::Mat& m : outs) {
      if (!m.isContinuous()) m = m.clone();
    }
    return outs;
  }

  // The layers OpenCV has; a node folded away at import has none, and its consumer's weights
  // stay unweighted.
  std::vector<cv::String> usable(const std::vector<cv::String>& names) {
    std::vector<cv::String> ok;
    for (const cv::String& name : names) {
      if (net_.getLayerId(name) >= 0) ok.push_back(name);
    }
    return ok;
  }

  std::size_t fixed_batch() const { return fixed_batch_; }

 private:
  const ModelSignature& signature_;
  const CalibrationBatch& batch_;
  cv::dnn::Net net_;
  std::vector<int> dims_;
  std::size_t elements_ = 0;
  std::size_t fixed_batch_ = 0;
};

// Runs every chunk; a model that fails on a full batch (OpenCV folds torch's flatten for batch 1)
// runs one sample at a time, as the engine does.
void read_blobs(BlobReader& reader, const CalibrationBatch& batch,
                const std::vector<cv::String>& names,
                const std::function<void(const std::vector<cv::Mat>&, std::size_t)>& add) {
  std::size_t chunk = reader.fixed_batch() ? reader.fixed_batch() : batch.batch_size;
  for (std::size_t first = 0; first < batch.count;) {
    const std::size_t n = std::min(chunk, batch.count - first);
    std::vector<cv::Mat> outs;
    try {
      outs = reader.run(first, n, reader.fixed_batch() ? chunk : n, names);
    } catch (const cv::Exception&) {
      if (chunk == 1) throw;
      chunk = 1;
      continue;
    }
    add(outs, n);
    first += n;
  }
}

}  // namespace

Result<std::vector<InputStats>> measure_input_energies(const EvalModel& model, const OnnxModel& onnx,
                                                       const std::vector<WeightLayer>& layers,
                                                       const CalibrationBatch& batch) {
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(model.onnx.data()),
                                      model.onnx.size());
  DCZ_ASSIGN_OR_RETURN(ModelSignature signature, read_model_signature(bytes, model.name));
  std::vector<EnergySum> sums(layers.size());
  std::vector<cv::String> names;
  std::vector<std::string> layer_blob(layers.size());  // OpenCV layer name; "" for the graph input
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const WeightLayer& layer = layers[l];
    if (layer.input.empty()) {
      sums[l].valid = false;
      continue;
    }
    const TensorInfo& w = onnx.tensor(layer.weight.tensor_index);
    sums[l].sum.assign(static_cast<std::size_t>(w.dims[layer.input_axis]) * layer.groups, 0.0);
    sums[l].layer = &layer;
    if (layer.weight.op_type != "Conv") {
      sums[l].gram_size = w.dims.size() == 2 ? sums[l].sum.size() : 0;
    } else if (!layer.strides.empty() && layer.groups == 1 && w.dims.size() == 4) {
      sums[l].kernel_h = w.dims[2];
      sums[l].kernel_w = w.dims[3];
      sums[l].gram_size = static_cast<std::size_t>(w.dims[1] * w.dims[2] * w.dims[3]);
    }
    sums[l].want_gram = sums[l].gram_size > 0 && sums[l].gram_size <= kMaxGramInputs;
    if (layer.input == signature.input.name) continue;
    layer_blob[l] = layer.input_node.empty() ? "onnx_output!" + layer.input
                                             : "onnx_node!" + layer.input_node;
    if (std::find(names.begin(), names.end(), layer_blob[l]) == names.end()) {
      names.push_back(layer_blob[l]);
    }
  }
  try {
    BlobReader reader(model, signature, batch);
    if (!names.empty()) names = reader.usable(names);
    std::map<std::string, std::size_t> found;
    for (std::size_t i = 0; i < names.size(); ++i) found[names[i]] = i;
    std::size_t done = 0;
    auto add = [&](const std::vector<cv::Mat>& outs, std::size_t n) {
      for (std::size_t l = 0; l < layers.size(); ++l) {
        if (!sums[l].valid) continue;
        const bool conv = layers[l].weight.op_type == "Conv";
        if (layer_blob[l].empty()) {
          std::vector<int> dims(batch.sample_shape.begin(), batch.sample_shape.end());
          accumulate(batch.inputs.data() + done * batch.inputs.size() / batch.count, n, dims, conv,
                     sums[l]);
        } else if (const auto it = found.find(layer_blob[l]); it != found.end()) {
          const cv::Mat& m = outs[it->second];
          accumulate(m.ptr<float>(), n, sample_dims_of(m), conv, sums[l]);
        } else {
          sums[l].valid = false;
        }
      }
      done += n;
    };
    read_blobs(reader, batch, names, add);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kEngineFailed,
                      model.name + ": OpenCV dnn failed reading the layer inputs: " + e.msg);
  }
  std::vector<InputStats> stats(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (!sums[l].valid || sums[l].rows == 0) continue;
    const double n = static_cast<double>(sums[l].rows);
    for (const double s : sums[l].sum) stats[l].energy.push_back(static_cast<float>(s / n));
    if (!sums[l].want_gram || sums[l].gram_rows == 0) continue;
    const std::size_t k = sums[l].gram_size;
    stats[l].gram.resize(k * k);
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = i; j < k; ++j) {
        stats[l].gram[i * k + j] = stats[l].gram[j * k + i] =
            sums[l].gram[i * k + j] / static_cast<double>(sums[l].gram_rows);
      }
    }
  }
  return stats;
}

}  // namespace dcz::eval
