// The rate-aware quantization report: a table for humans (stderr) and JSON (--json).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "dcz/rate_quantize.h"
#include "quantize/report_format.h"

namespace dcz {
namespace {

using quantize::appendf;
using quantize::sqnr_db;
using quantize::sqnr_json;

double percent(std::uint64_t part, std::uint64_t whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

constexpr const char* kBitsNote =
    "estimated bits: levels under a significance context (previous element zero or not) and an "
    "order-0 model of the nonzero levels, with the statistics of the levels themselves; codebook: "
    "each used level's value at the tensor's width; other tensors dense";

}  // namespace

std::string format_rate_report_text(const RateQuantizeReport& r) {
  std::string s = appendf("", "rate-aware quantization, lambda %.6g, %s\n", r.lambda,
                          r.weighted ? "sensitivity-weighted" : "unweighted");
  s += appendf("", "%-32s %-6s %11s %10s %6s %7s %8s %11s %11s %8s\n", "tensor", "op", "gain",
               "step", "levels", "zeros%", "bits/w", "bits", "distortion", "sqnr dB");
  for (const RateLayerReport& l : r.layers) {
    const RateTensorStats& t = l.stats;
    const double per = t.elements ? t.estimated_bits / static_cast<double>(t.elements) : 0.0;
    s += appendf("", "%-32s %-6s %11.4g %10.4g %6u %7.2f %8.3f %11.0f %11.4g %8.2f\n",
                 l.name.c_str(), l.is_bias ? "bias" : l.op_type.c_str(), l.gain, t.step,
                 t.levels_used, percent(t.zeros_after, t.elements), per, t.estimated_bits,
                 t.weighted_distortion, t.sqnr_db());
  }
  s += appendf("",
               "total: %" PRIu64 " values, %.2f%% zero, %.0f bits (order-0 %.0f) + codebooks %.0f "
               "bits, distortion %.4g, sqnr %.2f dB\n",
               r.elements, percent(r.zeros, r.elements), r.estimated_bits, r.order0_bits,
               r.codebook_bits, r.weighted_distortion, sqnr_db(r.signal, r.sse));
  s += appendf("", "size estimate: %" PRIu64 " B -> %.0f B (%.2fx smaller); %s\n", r.model_bytes,
               r.estimated_model_bytes,
               r.estimated_model_bytes > 0 ? r.model_bytes / r.estimated_model_bytes : 0.0,
               kBitsNote);
  s += appendf("", "time: %.3f s\n", r.seconds);
  return s;
}

std::string format_rate_report_json(const RateQuantizeReport& r) {
  nlohmann::ordered_json j;
  j["method"] = "rate";
  j["lambda"] = r.lambda;
  j["weighted"] = r.weighted;
  j["calibration_samples"] = r.calibration_samples;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const RateLayerReport& l : r.layers) {
    const RateTensorStats& t = l.stats;
    layers.push_back({{"name", l.name},
                      {"op_type", l.op_type},
                      {"is_bias", l.is_bias},
                      {"dtype", dtype_name(l.dtype)},
                      {"gain", l.gain},
                      {"elements", t.elements},
                      {"step", t.step},
                      {"levels_used", t.levels_used},
                      {"min_level", t.min_level},
                      {"max_level", t.max_level},
                      {"zeros_before", t.zeros_before},
                      {"zeros_after", t.zeros_after},
                      {"estimated_bits", t.estimated_bits},
                      {"order0_bits", t.order0_bits},
                      {"codebook_bits", t.codebook_bits},
                      {"weighted_distortion", t.weighted_distortion},
                      {"cost", t.cost},
                      {"sse", t.sse},
                      {"sqnr_db", sqnr_json(t.sqnr_db())},
                      {"max_abs_error", t.max_abs_error}});
  }
  j["layers"] = std::move(layers);
  j["totals"] = {{"elements", r.elements},
                 {"zeros", r.zeros},
                 {"estimated_bits", r.estimated_bits},
                 {"order0_bits", r.order0_bits},
                 {"codebook_bits", r.codebook_bits},
                 {"weighted_distortion", r.weighted_distortion},
                 {"sse", r.sse},
                 {"sqnr_db", sqnr_json(sqnr_db(r.signal, r.sse))}};
  j["size"] = {{"model_bytes", r.model_bytes},
               {"estimated_bytes", r.estimated_model_bytes},
               {"note", kBitsNote}};
  j["seconds"] = r.seconds;
  return j.dump(2) + "\n";
}

}  // namespace dcz
