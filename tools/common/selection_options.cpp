#include "common/selection_options.h"

#include <CLI/CLI.hpp>

namespace dcz::cli {

void add_selection_options(CLI::App& app, WeightSelection& selection) {
  const char* group = "Weight selection";
  // One value per occurrence, so a flag never swallows the positional model path.
  app.add_option("--include", selection.include,
                 "only weights whose tensor or node name matches this glob (repeatable)")
      ->type_name("GLOB")->allow_extra_args(false)->group(group);
  app.add_option("--exclude", selection.exclude,
                 "skip weights whose tensor or node name matches this glob (repeatable)")
      ->type_name("GLOB")->allow_extra_args(false)->group(group);
  app.add_option("--op", selection.op_types,
                 "only weights of this op type: Conv, ConvTranspose, Gemm, MatMul, LSTM, GRU, RNN "
                 "(repeatable)")
      ->type_name("TYPE")->allow_extra_args(false)->group(group);
  app.add_option("--min-elements", selection.min_elements, "skip weights with fewer elements")
      ->type_name("N")->capture_default_str()->group(group);
}

}  // namespace dcz::cli
