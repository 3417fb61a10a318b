// The weight-selection flags shared by dcz-prune and dcz-quantize (dcz/selection.h):
//   --include GLOB   (repeatable) only weights whose tensor or node name matches
//   --exclude GLOB   (repeatable) drop weights whose tensor or node name matches
//   --op TYPE        (repeatable) only weights of these op types (Conv, Gemm, MatMul, LSTM, ...)
//   --min-elements N skip weights with fewer elements
#pragma once

#include "dcz/selection.h"

namespace CLI {
class App;
}

namespace dcz::cli {

// Adds the flags to `app`; parsing fills `selection` (which must outlive the parse).
void add_selection_options(CLI::App& app, WeightSelection& selection);

}  // namespace dcz::cli
