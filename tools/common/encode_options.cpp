#include "common/encode_options.h"

#include <CLI/CLI.hpp>
#include <map>
#include <string>

namespace dcz::cli {

void add_encode_options(CLI::App& app, EncodeOptions& o) {
  const std::map<std::string, EncodeOptions::Entropy> entropy{
      {"auto", EncodeOptions::Entropy::kAuto}, {"huffman", EncodeOptions::Entropy::kHuffman},
      {"fixed", EncodeOptions::Entropy::kFixed}, {"zstd", EncodeOptions::Entropy::kZstd},
      {"adaptive", EncodeOptions::Entropy::kAdaptive}};
  app.add_option("--entropy", o.entropy,
                 "coding of index and position streams: auto (smallest per tensor and stream), "
                 "huffman, fixed (the paper's bits), zstd, adaptive (context-adaptive binary "
                 "coding of one level per element)")
      ->transform(CLI::CheckedTransformer(entropy, CLI::ignore_case))
      ->option_text("auto|huffman|fixed|zstd|adaptive (default auto)");
  const std::map<std::string, EncodeOptions::Positions> positions{
      {"auto", EncodeOptions::Positions::kAuto}, {"paper", EncodeOptions::Positions::kPaperGaps},
      {"escape", EncodeOptions::Positions::kEscapeGaps}, {"bitmap", EncodeOptions::Positions::kBitmap}};
  app.add_option("--positions", o.positions,
                 "how nonzero positions are stored: auto (smallest), paper (fixed-width gaps with "
                 "fillers), escape (unbounded gaps), bitmap")
      ->transform(CLI::CheckedTransformer(positions, CLI::ignore_case))
      ->option_text("auto|paper|escape|bitmap (default auto)");
  app.add_option("--conv-gap-bits", o.conv_gap_bits, "relative-index width for conv layers (paper: 8)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  app.add_option("--fc-gap-bits", o.fc_gap_bits, "relative-index width for other layers (paper: 5)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
}

}  // namespace dcz::cli
