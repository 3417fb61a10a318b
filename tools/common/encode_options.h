// The stage-3 flags shared by dcz-encode and dcz-compress: --entropy, --positions,
// --conv-gap-bits, --fc-gap-bits.
#pragma once

#include "dcz/codec.h"

namespace CLI {
class App;
}

namespace dcz::cli {

// Adds the flags to `app` (or an option group); parsing fills `options`, which must outlive it.
void add_encode_options(CLI::App& app, EncodeOptions& options);

}  // namespace dcz::cli
