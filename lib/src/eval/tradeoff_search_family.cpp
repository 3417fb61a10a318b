#include "eval/tradeoff_search_family.h"

#include <cstdio>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "dcz/container.h"

namespace dcz::eval {

namespace {

// Bytes of each layer's tensors' streams in a file (what the refinement ranks layers by).
Result<std::vector<std::uint64_t>> layer_bytes(const std::vector<std::uint8_t>& encoded,
                                               const std::vector<std::vector<std::string>>& layers) {
  std::vector<std::uint64_t> bytes(layers.size(), 0);
  if (layers.empty()) return bytes;
  std::unordered_map<std::string_view, std::size_t> layer_of;  // tensor name → layer
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (const std::string& name : layers[l]) layer_of.emplace(name, l);
  }
  DCZ_ASSIGN_OR_RETURN(Container c, read_container(encoded, "candidate"));
  for (const TensorEntry& t : c.tensors) {
    const auto it = layer_of.find(t.name);
    if (it == layer_of.end()) continue;
    for (const StreamDescriptor& s : t.streams) bytes[it->second] += s.size;
  }
  return bytes;
}

std::string describe(const std::string& parameter, double t, bool scaled) {
  char source[128];
  std::snprintf(source, sizeof source, "the candidate at %s %.6g%s", parameter.c_str(), t,
                scaled ? " with per-layer multipliers" : "");
  return source;
}

}  // namespace

TradeoffFamily make_tradeoff_family(std::string parameter, double t_min, double t_start, double t_max,
                                    const OnnxModel& reference, const EncodeOptions& encode, unsigned threads,
                                    LossyStages lossy, std::vector<std::vector<std::string>> layers) {
  TradeoffFamily family;
  family.parameter = std::move(parameter);
  family.t_min = t_min;
  family.t_start = t_start;
  family.t_max = t_max;
  for (const auto& tensors : layers) family.layers.push_back(tensors.front());
  // Serialized once; each candidate parses its own copy (OnnxModel has no copy constructor).
  auto base = std::make_shared<Result<std::string>>(reference.serialize());
  EncodeOptions e = encode;
  e.threads = threads;
  auto build = [base, e, name = family.parameter, lossy = std::move(lossy), layers = std::move(layers)](
                   double t, const std::vector<double>& scales) -> Result<TradeoffCandidate> {
    if (!*base) return base->status();
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>((*base)->data()), (*base)->size());
    DCZ_ASSIGN_OR_RETURN(OnnxModel model, OnnxModel::parse(bytes, {}, "candidate"));
    DCZ_TRY(lossy(model, t, scales));
    DCZ_ASSIGN_OR_RETURN(std::vector<std::uint8_t> encoded, encode_model(model, e));
    DCZ_ASSIGN_OR_RETURN(std::vector<std::uint64_t> per_layer, layer_bytes(encoded, layers));
    // What gets evaluated is what the file holds: the decoded model, not the one encoded (the
    // codec is lossless, so they are equal unless the codec has a bug, which then shows here).
    DCZ_ASSIGN_OR_RETURN(OnnxModel decoded, decode_model(encoded, describe(name, t, !scales.empty())));
    return TradeoffCandidate{std::move(decoded), std::move(encoded), std::move(per_layer)};
  };
  family.build = [build](double t) { return build(t, {}); };
  if (!family.layers.empty()) family.build_scaled = build;
  return family;
}

}  // namespace dcz::eval
