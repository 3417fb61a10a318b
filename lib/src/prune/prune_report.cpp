// The pruning report: a table for humans (stderr) and JSON for machines (--json).
#include <cinttypes>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "dcz/prune.h"

namespace dcz {
namespace {

std::string shape_string(const std::vector<std::int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s = std::to_string(dims[0]);
  for (std::size_t i = 1; i < dims.size(); ++i) s.append("x").append(std::to_string(dims[i]));
  return s;
}

std::string target_string(const PruneTarget& t) {
  char buf[48];
  switch (t.kind) {
    case PruneTarget::Kind::kNone: return "none";
    case PruneTarget::Kind::kSparsity: std::snprintf(buf, sizeof buf, "sparsity %.6g", t.value); break;
    case PruneTarget::Kind::kQuality: std::snprintf(buf, sizeof buf, "quality %.6g", t.value); break;
  }
  return buf;
}

std::string target_kind_name(PruneTarget::Kind k) {
  switch (k) {
    case PruneTarget::Kind::kNone: return "none";
    case PruneTarget::Kind::kSparsity: return "sparsity";
    case PruneTarget::Kind::kQuality: return "quality";
  }
  return "none";
}

std::string policy_name(PrunePolicy::Kind k) {
  switch (k) {
    case PrunePolicy::Kind::kQuality: return "quality";
    case PrunePolicy::Kind::kSparsity: return "sparsity";
    case PrunePolicy::Kind::kGlobalSparsity: return "global_sparsity";
    case PrunePolicy::Kind::kRecipe: return "recipe";
  }
  return "unknown";
}

double ratio(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

std::string appendf(std::string s, const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return s + buf;
}

std::string size_line(const char* what, std::uint64_t before, std::uint64_t after) {
  return appendf("", "  %-8s %14" PRIu64 " B -> %14" PRIu64 " B  (%.2fx smaller, %.1f%% of dense)\n",
                 what, before, after, ratio(before, after), 100.0 * ratio(after, before));
}

}  // namespace

std::string format_prune_report(const PruneReport& r) {
  std::string s = "pruning policy: " + r.policy_description + "\n";
  s = appendf(s, "%-32s %-20s %-13s %-16s %12s %12s %12s %8s %-16s %12s\n", "layer", "node", "op",
              "shape", "weights", "nonzero_in", "nonzero_out", "sparsity", "target", "threshold");
  for (const LayerPruneReport& l : r.layers) {
    s = appendf(s, "%-32s %-20s %-13s %-16s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %7.2f%% %-16s %12.6g\n",
                l.name.c_str(), l.node.c_str(), l.op_type.c_str(), shape_string(l.dims).c_str(), l.weights,
                l.nonzero_before, l.nonzero_after, 100.0 * l.sparsity(),
                target_string(l.target).c_str(), l.threshold);
  }
  s = appendf(s, "%-32s %-20s %-13s %-16s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %7.2f%%\n", "total",
              "", "", "", r.weights, r.nonzero_before, r.nonzero_after,
              100.0 * (1.0 - ratio(r.nonzero_after, r.weights)));
  s += "size estimate for stage-3 sparse storage (paper-style: each nonzero or filler entry = value "
       "at its dtype width + relative index of the layer's width, 8 bits conv / 5 bits fc as in the paper unless set; not a measurement):\n";
  s += size_line("weights", r.weights_dense_bytes, r.weights_sparse_bytes_estimate);
  s += size_line("model", r.model_dense_bytes, r.model_bytes_estimate);
  return s;
}

std::string prune_report_json(const PruneReport& r) {
  using Json = nlohmann::json;
  Json layers = Json::array();
  for (const LayerPruneReport& l : r.layers) {
    Json target = Json::object();
    target["kind"] = target_kind_name(l.target.kind);
    if (l.target.kind != PruneTarget::Kind::kNone) target["value"] = l.target.value;
    layers.push_back(Json{{"name", l.name},
                          {"node", l.node},
                          {"op_type", l.op_type},
                          {"layer_kind", std::string(layer_kind_name(l.kind))},
                          {"dtype", std::string(dtype_name(l.dtype))},
                          {"shape", l.dims},
                          {"weights", l.weights},
                          {"nonzero_before", l.nonzero_before},
                          {"nonzero_after", l.nonzero_after},
                          {"sparsity", l.sparsity()},
                          {"target", target},
                          {"threshold", l.threshold},
                          {"estimate", {{"index_bits", l.index_bits},
                                        {"dense_bytes", l.dense_bytes},
                                        {"sparse_entries", l.sparse_entries},
                                        {"sparse_bytes", l.sparse_bytes_estimate}}}});
    // The layer's std is computed only where the policy uses it.
    if (r.policy == PrunePolicy::Kind::kQuality || l.std_dev > 0.0) layers.back()["std"] = l.std_dev;
  }
  Json root{{"policy", policy_name(r.policy)},
            {"policy_description", r.policy_description},
            {"layers", layers},
            {"totals", {{"weights", r.weights},
                        {"nonzero_before", r.nonzero_before},
                        {"nonzero_after", r.nonzero_after},
                        {"sparsity", 1.0 - ratio(r.nonzero_after, r.weights)}}},
            {"size_estimate", {{"note", "stage-3 paper-style sparse storage, an estimate"},
                               {"weights_dense_bytes", r.weights_dense_bytes},
                               {"weights_sparse_bytes", r.weights_sparse_bytes_estimate},
                               {"model_dense_bytes", r.model_dense_bytes},
                               {"model_bytes", r.model_bytes_estimate}}}};
  return root.dump(2) + "\n";
}

}  // namespace dcz
