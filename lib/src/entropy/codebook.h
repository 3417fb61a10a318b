// The codebook of the sparse + codebook representation (format/SPEC.md, "Codebook"): the
// distinct nonzero values of a tensor, by bit pattern, in the tensor's own dtype, sorted by the
// codebook order key. "Zero" means the all-zero bit pattern: +0.0 is zero, -0.0 is a value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

inline constexpr std::uint32_t kCodebookMaxSize = 65536;

// Element types the representation accepts: fixed-size numeric types of 1, 2, 4 or 8 bytes
// (not string, not complex).
bool codebook_dtype_supported(DType dtype);

// The element at `p` as an unsigned integer (little-endian, dtype_size bytes).
std::uint64_t load_value_bits(const std::uint8_t* p, std::size_t size);

// Total order of the codebook: floats by IEEE 754 totalOrder (-NaN < -inf < ... < -0 < +0 < ...
// < +inf < +NaN, NaN payloads ordered by their bits), signed integers by value, unsigned integers
// and bool by value. A bijection on bit patterns, so two entries never tie.
std::uint64_t codebook_order_key(std::uint64_t bits, DType dtype);

// A tensor split into what the streams carry.
struct SparseTensor {
  std::vector<std::uint64_t> codebook;   // bit patterns, ascending by order key
  std::vector<std::uint16_t> indices;    // codebook index of each nonzero, row-major
  std::vector<std::uint64_t> zero_runs;  // zeros before each nonzero (since the previous one)
};

// kInvalidArgument unless tensor.bytes holds exactly element_count values of its dtype (a caller's
// error, checked before split_sparse_tensor by both codebook representations' encoders).
Status check_tensor_byte_count(const TensorView& tensor);

// Order-0 entropy in bits of the symbols counted in `histogram` (the accounting's lower bound).
double histogram_entropy_bits(std::span<const std::uint64_t> histogram);

// nullopt when the tensor has more than kCodebookMaxSize distinct nonzero values.
// Requires a supported dtype and bytes.size() == element_count * dtype_size.
std::optional<SparseTensor> split_sparse_tensor(const TensorView& tensor);

// Parses and checks `count` raw entries: MUST be strictly ascending by order key (so no
// duplicates) and MUST NOT contain zero; else kBadCodebook naming the entry's byte offset.
Result<std::vector<std::uint64_t>> parse_codebook(const StreamView& stream,
                                                  std::span<const std::uint8_t> raw, DType dtype,
                                                  std::uint32_t count);

// The codebook stream (role 1): the entries raw, or as one zstd frame — always, or only when the
// frame is smaller.
enum class CodebookZstd { kNever, kIfSmaller, kAlways };
Result<EncodedStream> encode_codebook_stream(std::span<const std::uint64_t> codebook,
                                             std::size_t value_size, CodebookZstd zstd, int level);

// Reads a codebook stream of `count` entries: decoded size count x dtype size (else
// kBadCodebook), coding raw or zstd (else kBadTensorEntry), then parse_codebook's checks.
Result<std::vector<std::uint64_t>> read_codebook_stream(const StreamView& stream, DType dtype,
                                                        std::uint32_t count);

}  // namespace dcz::entropy
