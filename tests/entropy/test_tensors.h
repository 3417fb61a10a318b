// Helpers of the entropy tests: owned tensors, encoded tensors seen as the container would hand
// them to the decoder, and a few value generators.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dcz/encoded_tensor.h"

namespace dcz::test {

struct OwnedTensor {
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> bytes;
  TensorView view() const { return TensorView{dtype, dims, bytes}; }
  std::uint64_t elements() const { return view().element_count(); }
};

// A tensor of `count` elements from raw bit patterns (little-endian, dtype_size bytes each).
inline OwnedTensor tensor_from_bits(DType dtype, std::vector<std::int64_t> dims,
                                    const std::vector<std::uint64_t>& values) {
  OwnedTensor t{dtype, std::move(dims), {}};
  const std::size_t size = dtype_size(dtype);
  t.bytes.resize(values.size() * size);
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t b = 0; b < size; ++b) t.bytes[i * size + b] = std::uint8_t(values[i] >> (8 * b));
  }
  return t;
}

inline std::uint64_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Streams laid out one after another from `base`, so file offsets in messages are distinct.
inline EncodedTensorView view_of(const EncodedTensor& t, std::uint64_t base = 1000) {
  EncodedTensorView v;
  v.representation = t.representation;
  v.params = t.params;
  for (const EncodedStream& s : t.streams) {
    v.streams.push_back(StreamView{s.role, s.coding, s.param, s.decoded_size, base, s.bytes});
    base += s.bytes.size();
  }
  return v;
}

inline StreamView view_of(const EncodedStream& s) {
  return StreamView{s.role, s.coding, s.param, s.decoded_size, 0, s.bytes};
}

}  // namespace dcz::test
