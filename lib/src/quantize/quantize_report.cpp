// The quantization report: a table for humans (stderr) and JSON for machines (--json).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "dcz/quantize.h"
#include "quantize/report_format.h"

namespace dcz {
namespace {

using quantize::appendf;
using quantize::sqnr_db;
using quantize::sqnr_json;

double mse(double sse, std::uint64_t n) { return n ? sse / static_cast<double>(n) : 0.0; }

std::string sqnr_text(double db) {
  return std::isfinite(db) ? appendf("", "%7.2f", db) : std::string("  exact");
}

constexpr const char* kEstimateNote =
    "estimate (Han et al. 2016): per stored entry bits + relative-index bits, a filler entry per "
    "gap over 2^index_bits, plus the codebook at the tensor's width; other tensors dense";

}  // namespace

std::string format_quantize_report(const QuantizeReport& r) {
  std::string s = appendf("", "k-means %s, init %s, seed %" PRIu64 "\n",
                          std::string(kmeans_method_name(r.method)).c_str(),
                          std::string(kmeans_init_name(r.init)).c_str(), r.seed);
  s += appendf("", "%-32s %-6s %4s %8s %12s %12s %8s %12s %6s\n", "layer", "kind", "bits",
               "codebook", "clustered", "mse", "sqnr dB", "max |err|", "iters");
  for (const LayerQuantizeReport& l : r.layers) {
    const TensorQuantizeStats& t = l.stats;
    s += appendf("", "%-32s %-6s %4u %8u %12" PRIu64 " %12.4g %8s %12.4g %6s\n", l.name.c_str(),
                 std::string(layer_kind_name(l.kind)).c_str(), l.bits, t.codebook_size, t.nonzeros,
                 t.mse(), sqnr_text(t.sqnr_db()).c_str(), t.max_abs_error,
                 t.unchanged ? "as is" : std::to_string(t.iterations).c_str());
    if (t.zero_centroids_moved) {
      s += appendf("", "  (%u centroid(s) rounded to zero were set to the smallest subnormal)\n",
                   t.zero_centroids_moved);
    }
  }
  s += appendf("",
               "total: %zu layers, %" PRIu64 " weights, %" PRIu64
               " clustered, mse %.4g, sqnr %s dB, max |err| %.4g\n",
               r.layers.size(), r.weights, r.nonzeros, mse(r.sse, r.nonzeros),
               sqnr_text(sqnr_db(r.signal, r.sse)).c_str(), r.max_abs_error);
  s += appendf("", "P+Q size, %s:\n  %" PRIu64 " B -> %" PRIu64 " B (%.2fx smaller)\n",
               kEstimateNote, r.model_bytes, r.paper_pq_estimate_bytes,
               r.paper_pq_estimate_bytes ? static_cast<double>(r.model_bytes) /
                                               static_cast<double>(r.paper_pq_estimate_bytes)
                                         : 0.0);
  s += appendf("", "time: load %.3f s, select %.3f s, quantize %.3f s, save %.3f s\n",
               r.seconds_load, r.seconds_select, r.seconds_quantize, r.seconds_save);
  return s;
}

std::string quantize_report_json(const QuantizeReport& r) {
  nlohmann::ordered_json j;
  j["method"] = kmeans_method_name(r.method);
  j["init"] = kmeans_init_name(r.init);
  j["seed"] = r.seed;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerQuantizeReport& l : r.layers) {
    const TensorQuantizeStats& t = l.stats;
    layers.push_back({
        {"name", l.name},
        {"op_type", l.op_type},
        {"kind", layer_kind_name(l.kind)},
        {"dtype", dtype_name(l.dtype)},
        {"bits", l.bits},
        {"elements", t.elements},
        {"weights_clustered", t.nonzeros},
        {"distinct_before", t.distinct_before},
        {"codebook_size", t.codebook_size},
        {"unchanged", t.unchanged},
        {"iterations", t.iterations},
        {"converged", t.converged},
        {"mse", t.mse()},
        {"sqnr_db", sqnr_json(t.sqnr_db())},
        {"max_abs_error", t.max_abs_error},
        {"zero_centroids_moved", t.zero_centroids_moved},
        {"index_bits", l.index_bits},
        {"filler_entries", l.filler_entries},
        {"original_bytes", l.original_bytes},
        {"paper_pq_bytes_estimate", (l.paper_pq_bits + 7) / 8},
        {"seconds",
         {{"sort", t.seconds_sort}, {"cluster", t.seconds_cluster}, {"assign", t.seconds_assign}}},
    });
  }
  j["layers"] = std::move(layers);
  j["totals"] = {{"layers", r.layers.size()},
                 {"weights", r.weights},
                 {"weights_clustered", r.nonzeros},
                 {"mse", mse(r.sse, r.nonzeros)},
                 {"sqnr_db", sqnr_json(sqnr_db(r.signal, r.sse))},
                 {"max_abs_error", r.max_abs_error}};
  j["size"] = {{"model_bytes", r.model_bytes},
               {"paper_pq_bytes_estimate", r.paper_pq_estimate_bytes},
               {"note", kEstimateNote}};
  j["seconds"] = {{"load", r.seconds_load},
                  {"select", r.seconds_select},
                  {"quantize", r.seconds_quantize},
                  {"save", r.seconds_save}};
  return j.dump(2) + "\n";
}

}  // namespace dcz
