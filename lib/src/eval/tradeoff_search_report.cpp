// Text and JSON forms of a TradeoffSearchReport (dcz-compress --max-drop).
#include <nlohmann/json.hpp>

#include <cstdio>

#include "dcz/tradeoff_search.h"

namespace dcz {

namespace {

unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

// The refinement's multipliers that are not 1, e.g. "  [fc1.weight x0.5, fc2.weight x2]"; ""
// for a candidate of the bracket and bisection.
std::string multipliers_text(const TradeoffSearchReport& r, const TradeoffEvaluation& e) {
  std::string out;
  for (std::size_t i = 0; i < e.scales.size() && i < r.layers.size(); ++i) {
    if (e.scales[i] == 1.0) continue;
    char item[160];
    std::snprintf(item, sizeof item, "%s%s x%.4g", out.empty() ? "" : ", ", r.layers[i].c_str(), e.scales[i]);
    out += item;
  }
  return e.scales.empty() ? "" : "  [" + (out.empty() ? std::string("every layer x1") : out) + "]";
}

}  // namespace

std::string format_tradeoff_text(const TradeoffSearchReport& r) {
  char line[512];
  std::snprintf(line, sizeof line,
                "Search of %s: budget %.3g points (%llu of %llu samples), baseline %llu correct (%.2f %%), "
                "reference %llu bytes (every tensor dense)\n",
                r.parameter.c_str(), r.max_drop, ull(r.allowed_drop), ull(r.samples), ull(r.baseline_correct),
                r.percent(r.baseline_correct), ull(r.reference_bytes));
  std::string out = line;
  std::snprintf(line, sizeof line, "%3s %-13s %12s %9s %8s %7s %-8s %8s %8s\n", "#", r.parameter.c_str(), "bytes",
                "ratio", "top-1 %", "drop", "budget", "build s", "eval s");
  out += line;
  for (std::size_t i = 0; i < r.evaluations.size(); ++i) {
    const TradeoffEvaluation& e = r.evaluations[i];
    std::snprintf(line, sizeof line, "%3zu %-13.6g %12llu %8.2fx %8.2f %7.2f %-8s %8.2f %8.2f%s", i + 1, e.t,
                  ull(e.bytes), r.ratio(e.bytes), r.percent(e.correct), r.drop(e.correct),
                  e.feasible ? "within" : "over", e.seconds_build, e.seconds_eval,
                  r.best && *r.best == i ? "  <- smallest within budget" : "");
    out += line + multipliers_text(r, e) + "\n";
  }
  if (r.best) {
    const TradeoffEvaluation& e = r.evaluations[*r.best];
    std::snprintf(line, sizeof line, "Chosen: #%zu, %s %.6g%s: %llu bytes, %.2fx, top-1 %.2f %% (drop %.2f points)\n",
                  *r.best + 1, r.parameter.c_str(), e.t, multipliers_text(r, e).c_str(), ull(e.bytes),
                  r.ratio(e.bytes), r.percent(e.correct), r.drop(e.correct));
  } else {
    std::snprintf(line, sizeof line, "No candidate within the budget among the %zu evaluated\n",
                  r.evaluations.size());
  }
  out += line;
  return out;
}

std::string format_tradeoff_json(const TradeoffSearchReport& r) {
  nlohmann::ordered_json j;
  j["parameter"] = r.parameter;
  j["max_drop"] = r.max_drop;
  j["samples"] = r.samples;
  j["allowed_drop_samples"] = r.allowed_drop;
  j["baseline_correct"] = r.baseline_correct;
  j["baseline_top1_percent"] = r.percent(r.baseline_correct);
  j["reference_bytes"] = r.reference_bytes;
  j["layers"] = r.layers;
  j["evaluations"] = nlohmann::ordered_json::array();
  for (const TradeoffEvaluation& e : r.evaluations) {
    nlohmann::ordered_json x;
    x["t"] = e.t;
    // Per layer (every one, 1 included) for the refinement's candidates; {} for the others.
    x["multipliers"] = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < e.scales.size() && i < r.layers.size(); ++i) x["multipliers"][r.layers[i]] = e.scales[i];
    x["bytes"] = e.bytes;
    x["ratio"] = r.ratio(e.bytes);
    x["correct"] = e.correct;
    x["top1_percent"] = r.percent(e.correct);
    x["drop_points"] = r.drop(e.correct);
    x["within_budget"] = e.feasible;
    x["seconds_build"] = e.seconds_build;
    x["seconds_eval"] = e.seconds_eval;
    j["evaluations"].push_back(std::move(x));
  }
  j["best"] = r.best ? nlohmann::ordered_json(*r.best) : nlohmann::ordered_json(nullptr);
  return j.dump(2) + "\n";
}

}  // namespace dcz
