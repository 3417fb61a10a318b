// Representation::kSparseCodebook (format/SPEC.md section 6): a tensor as a codebook of its distinct
// nonzero values, the codebook index of every nonzero and the positions of the nonzeros — stage 3
// of Deep Compression (Han, Mao & Dally, ICLR 2016), lossless for any input.
//
// The container calls these three functions; nothing here depends on ONNX.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "dcz/dtype.h"
#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz {

struct SparseCodebookOptions {
  // Coding of the symbol streams: kAuto keeps the smallest of fixed bits, Huffman and zstd per
  // stream (ties: fixed, then Huffman, then zstd). kZstd also compresses the codebook.
  enum class Entropy { kAuto, kHuffman, kFixed, kZstd } entropy = Entropy::kAuto;
  // kAuto keeps the smallest total of paper gaps, escape gaps and bitmap (ties in that order).
  enum class Positions { kAuto, kPaperGaps, kEscapeGaps, kBitmap } positions = Positions::kAuto;
  // Width b of the paper's fixed gaps, 1..16; 0 = 8 for tensors of rank >= 3 (conv), else 5 (fc).
  // Stored with the tensor for the paper accounting whatever scheme is chosen.
  unsigned gap_bits = 0;
  // Width of fixed-bits indices, 1..16; 0 = ceil(log2(index alphabet)), at least 1. It is widened
  // by one bit if the paper scheme's filler index needs it. Too narrow for the codebook: error.
  unsigned index_bits = 0;
  int zstd_level = 19;
  // With threads > 1 the candidate position schemes (up to 3) are encoded concurrently. The
  // output does not depend on it.
  unsigned threads = 1;
};

// The encoded tensor, or nullopt when the tensor does not qualify: dtype not a fixed-size numeric
// type of 1, 2, 4 or 8 bytes (string, complex), or more than 65536 distinct nonzero bit patterns.
// Errors: kInvalidArgument (options out of range, bytes.size() != elements x dtype size, explicit
// paper gaps when the codebook has 65536 entries and a filler is needed).
// Deterministic: the same tensor and options give the same bytes.
Result<std::optional<EncodedTensor>> encode_sparse_codebook(const TensorView& tensor,
                                                            const SparseCodebookOptions& options);

// Writes the element_count x dtype_size bytes of the tensor into `out` (exactly that size, else
// kInvalidArgument). A malformed encoding gives kBadTensorEntry (params, stream list or codings),
// kReservedBitSet, kBadSize (stream lengths disagreeing with the params), kBadCodebook,
// kBadHuffmanTable, kBadSymbol, kBadPositions, kStreamEndedEarly, kStreamTrailingData or
// kBadCompressedData; the message names the stream and the absolute byte offset. Allocates at most
// a few bytes per element beyond `out`, after checking every count against element_count.
// `out_is_zeroed`: the caller guarantees `out` is all zero bytes already (freshly allocated
// storage), which saves a pass over the tensor; only the nonzeros are then written.
Status decode_sparse_codebook(const EncodedTensorView& tensor, DType dtype,
                              std::uint64_t element_count, std::span<std::uint8_t> out,
                              bool out_is_zeroed = false);

// Per-stage accounting for dcz-inspect and the paper's Tables 2-5, from the encoded tensor.
// "Paper" numbers are those of the paper's scheme at the stored gap width b, whatever scheme the
// tensor actually uses: every run of z zeros costs floor(z / 2^b) filler entries.
struct SparseAccounting {
  std::uint64_t weights = 0;         // elements of the tensor
  std::uint64_t nonzeros = 0;
  std::uint64_t codebook_size = 0;   // K, distinct nonzero values
  std::uint64_t codebook_bytes = 0;  // K x dtype size: the codebook stored raw
  std::uint8_t position_scheme = 0;  // 0 paper gaps, 1 escape gaps, 2 bitmap
  unsigned gap_bits = 0;             // b
  // The paper's weight width ceil(log2 K), >= 1; filler entries count at the same width, as in the
  // paper (the stored paper stream may need one bit more when K is a power of two: its filler
  // index is K).
  unsigned index_bits = 0;
  std::uint64_t paper_fillers = 0;
  std::uint64_t paper_entries = 0;      // nonzeros + fillers
  std::uint64_t paper_index_bits = 0;   // entries x b: the paper's relative-index bits
  std::uint64_t paper_weight_bits = 0;  // entries x index_bits: the paper's weight bits
  // Bytes actually stored per stream.
  std::uint64_t stored_codebook_bytes = 0;
  std::uint64_t stored_index_bytes = 0;
  std::uint64_t stored_position_bytes = 0;
  std::uint64_t stored_extra_bytes = 0;
  // Order-0 entropy in bits (count x H) of the codebook indices of the nonzeros, and of the paper
  // gap symbols at width b including fillers: the floor for a Huffman coder of each.
  double index_entropy_bits = 0;
  double paper_gap_entropy_bits = 0;
};
Result<SparseAccounting> account_sparse_codebook(const EncodedTensorView& tensor, DType dtype,
                                                 std::uint64_t element_count);

}  // namespace dcz
