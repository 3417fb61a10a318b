// The dead-unit report: a table for humans (stderr) and JSON for machines (--json).
#include <cinttypes>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "dcz/dead_units.h"

namespace dcz {
namespace {

std::string line(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

std::string format_dead_unit_report(const DeadUnitReport& r) {
  std::string s = line("dead units: %" PRIu64 " links, %" PRIu64 " rounds; weights no output reads or that only multiply zero\n",
                       r.links, r.rounds);
  s += line("%-32s %-20s %-8s %9s %9s %12s %12s %8s\n", "layer", "node", "op", "dead_out", "zero_in",
            "nonzero_in", "nonzero_out", "bias");
  for (const DeadUnitLayer& l : r.layers) {
    s += line("%-32s %-20s %-8s %4" PRIu64 "/%-4" PRIu64 " %4" PRIu64 "/%-4" PRIu64 " %12" PRIu64 " %12" PRIu64
              " %8" PRIu64 "\n",
              l.name.c_str(), l.node.c_str(), l.op_type.c_str(), l.dead_channels, l.channels, l.zero_inputs,
              l.inputs, l.nonzero_before, l.nonzero_after, l.bias_zeroed);
  }
  s += line("total: %" PRIu64 " weights and %" PRIu64 " bias entries set to +0.0\n", r.weights_zeroed, r.bias_zeroed);
  return s;
}

std::string dead_unit_report_json(const DeadUnitReport& r) {
  using Json = nlohmann::json;
  Json layers = Json::array();
  for (const DeadUnitLayer& l : r.layers) {
    layers.push_back(Json{{"name", l.name},
                          {"node", l.node},
                          {"op_type", l.op_type},
                          {"channels", l.channels},
                          {"inputs", l.inputs},
                          {"dead_channels", l.dead_channels},
                          {"zero_inputs", l.zero_inputs},
                          {"weights", l.weights},
                          {"nonzero_before", l.nonzero_before},
                          {"nonzero_after", l.nonzero_after},
                          {"bias_zeroed", l.bias_zeroed},
                          {"producer", l.producer},
                          {"consumer", l.consumer}});
  }
  Json root{{"layers", layers},
            {"links", r.links},
            {"rounds", r.rounds},
            {"weights_zeroed", r.weights_zeroed},
            {"bias_zeroed", r.bias_zeroed}};
  return root.dump(2) + "\n";
}

}  // namespace dcz
