// NumPy .npy files (format version 1.0–3.0): a bounded reader for dataset inputs and labels, and a
// writer for the arrays that `dcz-eval --dump-outputs` hands to the ONNX Runtime check.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/status.h"

namespace dcz::eval {

// A C-order array inside a file image; `data` points into the caller's bytes.
struct NpyView {
  std::string descr;                 // e.g. "<f4", "|u1", "<i8"
  std::vector<std::int64_t> shape;   // () is a scalar
  std::size_t item_size = 0;
  std::span<const std::uint8_t> data;
  std::uint64_t element_count() const;
};

// Parses the header and checks that exactly product(shape) × item size data bytes follow.
// Fortran order, big-endian and object arrays are kBadDataset.
Result<NpyView> parse_npy(std::span<const std::uint8_t> bytes, std::string_view name);

// A version 1.0 file holding a little-endian float32 C-order array.
std::string npy_float32(std::span<const float> values, const std::vector<std::int64_t>& shape);
// The same for int64 (labels).
std::string npy_int64(std::span<const std::int64_t> values, const std::vector<std::int64_t>& shape);

}  // namespace dcz::eval
