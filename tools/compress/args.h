// dcz-compress's parsed command line, shared by the fixed pipeline (main.cpp) and the search for
// the smallest file within an accuracy budget (search_mode.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dcz/codec.h"
#include "dcz/selection.h"

namespace dcz::compress {

// --max-drop and the flags that only make sense with it.
struct SearchArgs {
  std::optional<double> max_drop;  // points of top-1; set = search mode
  std::string data;                // dataset spec, as dcz-eval --data
  std::uint64_t limit = 0;         // search on this many samples (0: all)
  double scale = 1.0;              // preprocessing, as dcz-eval
  std::vector<double> mean{0.0}, std{1.0};
  std::size_t batch = 100;
  std::string calibration_data;    // rate: sensitivity data (default: the search data)
  std::size_t calibration = 500;   // rate: calibration samples
  unsigned max_evaluations = 12;
  double tolerance = 0.05;
  std::optional<unsigned> refine_evaluations;  // rate: per-layer refinement (unset: the library's default)
};

struct Args {
  std::string input, output, recipe, json;
  std::optional<double> quality, sparsity, global_sparsity;
  bool normalize = false, no_prune = false, no_quantize = false, no_dead_units = false;
  std::optional<unsigned> bits;
  unsigned conv_bits = 8, fc_bits = 5;
  // lloyd | optimal (k-means), rate (the rate-aware quantizer; search mode only), classic (=
  // lloyd). In search mode the default is rate.
  std::string method = "lloyd", init = "linear";
  bool method_given = false;
  bool force = false, quiet = false, verbose = false;
  unsigned threads = 0;
  WeightSelection selection;
  EncodeOptions encode;
  SearchArgs search;
};

// The path searched: true for the rate-aware quantizer, false for classic Deep Compression.
inline bool searches_rate(const Args& a) { return a.method_given ? a.method == "rate" : true; }

// Search mode (dcz-compress --max-drop): returns the exit code. Only in builds with dcz_eval.
int run_search(const char* tool, const Args& args);

}  // namespace dcz::compress
