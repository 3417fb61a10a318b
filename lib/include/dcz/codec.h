// Model-level encode and decode: an OnnxModel to a .dcz container and back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/onnx_model.h"
#include "dcz/status.h"

namespace dcz {

struct EncodeOptions {
  // kLossless-dense stores every tensor dense (zstd / byte shuffle); kAuto also tries the
  // sparse + codebook representation and keeps whichever is smaller, tensor by tensor.
  enum class Mode { kDense, kAuto } mode = Mode::kAuto;
  // Coding of the sparse tensors' indices and positions. kAuto encodes representation 1 (fixed
  // bits, Huffman or zstd per stream) and representation 2 (levels, context-adaptive binary
  // coding) and keeps the smaller; kAdaptive uses representation 2 instead of 1 wherever a tensor
  // qualifies; the others use representation 1 with that stream coding. Dense stays whenever it
  // is smaller.
  enum class Entropy { kAuto, kHuffman, kFixed, kZstd, kAdaptive } entropy = Entropy::kAuto;
  enum class Positions { kAuto, kPaperGaps, kEscapeGaps, kBitmap } positions = Positions::kAuto;
  unsigned conv_gap_bits = 8;  // the paper's relative-index widths
  unsigned fc_gap_bits = 5;
  // zstd level of every zstd stream; 0 picks by stream size (see container/dense.h).
  int zstd_level = 0;
  unsigned threads = 0;  // 0: hardware concurrency. The output does not depend on it.
};

// Writes `model` as a .dcz file at `path` ("-" for stdout), atomically.
Status encode_model_to_file(const OnnxModel& model, const std::filesystem::path& path,
                            const EncodeOptions& options);
// The same, into memory.
Result<std::vector<std::uint8_t>> encode_model(const OnnxModel& model, const EncodeOptions& options);

// Decodes a whole .dcz file image. Every checksum is verified before a payload is trusted.
// `source_name` names the input in error messages.
Result<OnnxModel> decode_model(std::span<const std::uint8_t> file, std::string_view source_name);

}  // namespace dcz
