// The dense representation (SPEC 5.1): a tensor's bytes, raw, zstd, or byte planes + zstd.
#pragma once

#include <span>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz {

struct DenseOptions {
  // zstd level; 0 picks by size (9 below 64 MiB, 6 above): deeper searches buy ~0.2 % on float
  // weights and cost 10x the time.
  int zstd_level = 0;
};

// Tries the codings that can help for this dtype and keeps the smallest (raw on ties).
EncodedTensor encode_dense(const TensorView& tensor, const DenseOptions& options);

// `out` has the tensor's byte size. Rejects corrupt frames and wrong sizes.
Status decode_dense(const EncodedTensorView& encoded, std::span<std::uint8_t> out);

// Byte planes of `element_size`-byte elements and back (exposed for tests and benchmarks).
void shuffle_bytes(std::span<const std::uint8_t> in, std::size_t element_size, std::span<std::uint8_t> out);
void unshuffle_bytes(std::span<const std::uint8_t> in, std::size_t element_size, std::span<std::uint8_t> out);

}  // namespace dcz
