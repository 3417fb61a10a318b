// The rate-aware family: rate_quantize_model at λ = t (dcz/rate_quantize.h), each layer's λ
// optionally multiplied by the refinement's scale, then encoding.
#include "dcz/onnx_model.h"
#include "dcz/dead_units.h"
#include "dcz/rate_quantize.h"
#include "dcz/tradeoff_search.h"
#include "eval/tradeoff_search_family.h"

namespace dcz {

namespace {

// Per selected weight: its name, then its bias's when the quantizer handles it (RateQuantizeOptions
// ::biases), so a layer's bytes count both. Empty when the layers cannot be described: the
// family then has no refinement, and build reports the error.
std::vector<std::vector<std::string>> rate_layers(const OnnxModel& model, const WeightSelection& selection) {
  auto described = describe_weight_layers(model, selection);
  std::vector<std::vector<std::string>> layers;
  if (!described) return layers;
  for (const WeightLayer& l : *described) {
    layers.push_back({l.weight.name});
    if (l.has_bias) layers.back().push_back(model.tensor(l.bias_tensor).name);
  }
  return layers;
}

}  // namespace

TradeoffFamily rate_tradeoff_family(const OnnxModel& model, const RateFamilyOptions& options) {
  std::vector<std::vector<std::string>> layers = rate_layers(model, options.selection);
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.front());
  auto lossy = [o = options, names](OnnxModel& m, double lambda, const std::vector<double>& scales) -> Status {
    if (!scales.empty() && scales.size() != names.size()) {
      return make_error(ErrorCode::kInvalidArgument, "the rate family has " + std::to_string(names.size()) +
                                                         " layers, not " + std::to_string(scales.size()) + " multipliers");
    }
    RateQuantizeOptions q;
    q.lambda = lambda;
    for (std::size_t i = 0; i < scales.size(); ++i) {
      if (scales[i] != 1.0) q.lambda_scale[names[i]] = scales[i];
    }
    q.selection = o.selection;
    q.sensitivity = o.sensitivity;
    q.threads = o.threads;
    DCZ_TRY(rate_quantize_model(m, q).status());
    return eliminate_dead_units(m, o.selection).status();  // exact, free bytes (dcz/dead_units.h)
  };
  return eval::make_tradeoff_family("lambda", 1e-10, 1e-4, 1e2, model, options.encode, options.threads, lossy,
                                    std::move(layers));
}

}  // namespace dcz
