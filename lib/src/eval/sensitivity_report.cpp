// Text, JSON and SVG forms of a SensitivityReport.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "dcz/sensitivity.h"

namespace dcz {

namespace {

bool is_prune(const SensitivityReport& r) { return r.stage == SensitivityStage::kPrune; }

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string setting_label(const SensitivityReport& r, double v) {
  return is_prune(r) ? fmt("%.0f%%", v * 100) : fmt("%.0fb", v);
}

}  // namespace

std::string format_sensitivity_text(const SensitivityReport& r) {
  std::string out = std::string("sensitivity to ") + (is_prune(r) ? "pruning" : "quantization") + " on " +
                    std::to_string(r.samples) + " samples; baseline top-1 " + fmt("%.2f", r.percent(r.baseline_correct)) +
                    " %, budget " + fmt("%.2f", r.max_drop) + " points\n";
  out += "top-1 % per layer and " + std::string(is_prune(r) ? "sparsity" : "bit width") + " (* = chosen):\n";
  std::size_t width = 10;
  for (const auto& l : r.layers) width = std::max(width, l.name.size());
  out += std::string(width, ' ');
  for (double s : r.settings) {
    std::string label = setting_label(r, s);
    out += std::string(9 - std::min<std::size_t>(9, label.size()), ' ') + label;
  }
  out += "\n";
  for (const auto& l : r.layers) {
    out += l.name + std::string(width - l.name.size(), ' ');
    for (std::size_t i = 0; i < l.points.size(); ++i) {
      bool chosen = l.chosen && *l.chosen == i;
      out += fmt("%8.2f", r.percent(l.points[i].correct)) + (chosen ? "*" : " ");
    }
    out += "\n";
  }
  out += "combined recipe checks:\n";
  for (const auto& s : r.steps) {
    out += "  " + s.description + ": top-1 " + fmt("%.2f", r.percent(s.correct)) + " % (drop " +
           fmt("%.2f", r.percent(r.baseline_correct) - r.percent(s.correct)) + ")\n";
  }
  return out;
}

std::string format_sensitivity_json(const SensitivityReport& r) {
  nlohmann::ordered_json j;
  j["stage"] = is_prune(r) ? "prune" : "quantize";
  j["samples"] = r.samples;
  j["baseline_correct"] = r.baseline_correct;
  j["baseline_top1_percent"] = r.percent(r.baseline_correct);
  j["max_drop"] = r.max_drop;
  j["settings"] = r.settings;
  j["layers"] = nlohmann::ordered_json::array();
  for (const auto& l : r.layers) {
    nlohmann::ordered_json e;
    e["name"] = l.name;
    e["op_type"] = l.op_type;
    e["correct"] = nlohmann::ordered_json::array();
    for (const auto& p : l.points) e["correct"].push_back(p.correct);
    e["chosen"] = l.chosen ? nlohmann::ordered_json(r.settings[*l.chosen]) : nlohmann::ordered_json(nullptr);
    j["layers"].push_back(std::move(e));
  }
  j["steps"] = nlohmann::ordered_json::array();
  for (const auto& s : r.steps) j["steps"].push_back({{"step", s.description}, {"correct", s.correct}});
  j["combined_correct"] = r.combined_correct;
  j["combined_top1_percent"] = r.percent(r.combined_correct);
  j["recipe"] = nlohmann::ordered_json::parse(write_recipe(r.recipe));
  return j.dump(2) + "\n";
}

std::string sensitivity_svg(const SensitivityReport& r) {
  constexpr double kW = 720, kH = 440, kLeft = 60, kRight = 200, kTop = 30, kBottom = 50;
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::size_t n = r.settings.size();
  auto x_of = [&](std::size_t i) { return kLeft + (n > 1 ? pw * i / (n - 1) : pw / 2); };
  auto y_of = [&](double percent) { return kTop + ph * (1 - percent / 100.0); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", kW) + "\" height=\"" +
                  fmt("%.0f", kH) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fmt("%.0f", kLeft) + "\" y=\"18\" font-size=\"13\">Top-1 accuracy vs " +
       (is_prune(r) ? "sparsity" : "bits") + ", one layer at a time (" + std::to_string(r.samples) +
       " samples)</text>\n";
  for (int p = 0; p <= 100; p += 20) {  // y grid
    std::string y = fmt("%.1f", y_of(p));
    s += "<line x1=\"" + fmt("%.0f", kLeft) + "\" x2=\"" + fmt("%.0f", kLeft + pw) + "\" y1=\"" + y + "\" y2=\"" + y +
         "\" stroke=\"#ddd\"/>\n<text x=\"" + fmt("%.0f", kLeft - 6) + "\" y=\"" + y +
         "\" text-anchor=\"end\" dy=\"4\">" + std::to_string(p) + "%</text>\n";
  }
  for (std::size_t i = 0; i < n; ++i) {  // x labels
    s += "<text x=\"" + fmt("%.1f", x_of(i)) + "\" y=\"" + fmt("%.0f", kTop + ph + 16) + "\" text-anchor=\"middle\">" +
         setting_label(r, r.settings[i]) + "</text>\n";
  }
  double base = r.percent(r.baseline_correct);
  for (auto [value, dash, label] : {std::tuple{base, "", "baseline"}, std::tuple{base - r.max_drop, "4 3", "budget"}}) {
    std::string y = fmt("%.1f", y_of(value));
    s += "<line x1=\"" + fmt("%.0f", kLeft) + "\" x2=\"" + fmt("%.0f", kLeft + pw) + "\" y1=\"" + y + "\" y2=\"" + y +
         "\" stroke=\"black\" stroke-dasharray=\"" + dash + "\"/>\n";
    s += "<text x=\"" + fmt("%.0f", kLeft + pw + 4) + "\" y=\"" + y + "\" dy=\"4\">" + label + "</text>\n";
  }
  for (std::size_t l = 0; l < r.layers.size(); ++l) {
    const char* color = colors[l % 10];
    std::string points;
    for (std::size_t i = 0; i < r.layers[l].points.size(); ++i) {
      points += fmt("%.1f", x_of(i)) + "," + fmt("%.1f", y_of(r.percent(r.layers[l].points[i].correct))) + " ";
    }
    s += std::string("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"") + color + "\" points=\"" + points + "\"/>\n";
    double ly = kTop + 14.0 * static_cast<double>(l) + 30;
    s += std::string("<rect x=\"") + fmt("%.0f", kLeft + pw + 60) + "\" y=\"" + fmt("%.0f", ly - 8) +
         "\" width=\"10\" height=\"10\" fill=\"" + color + "\"/>\n<text x=\"" + fmt("%.0f", kLeft + pw + 74) + "\" y=\"" +
         fmt("%.0f", ly) + "\">" + r.layers[l].name + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace dcz
