// The byte reader of the fuzz targets: takes little-endian fields and spans from the input and
// returns zeros (or empty spans) once it is exhausted, so any input is a valid description.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/encoded_tensor.h"

namespace dcz::fuzz {

// Every dtype; the first 13 are the numeric ones the codebook representations accept.
inline constexpr DType kDtypes[] = {
    DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt8,
    DType::kUInt8,   DType::kInt16,   DType::kUInt16,   DType::kInt32,   DType::kUInt32,
    DType::kInt64,   DType::kUInt64,  DType::kBool,     DType::kComplex64, DType::kString};

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint64_t take(std::size_t bytes) {  // little-endian; zeros once the input is exhausted
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      std::uint64_t b = pos_ < size_ ? data_[pos_] : 0;
      ++pos_;
      v |= b << (8 * i);
    }
    return v;
  }
  std::span<const std::uint8_t> take_span(std::size_t bytes) {
    std::size_t start = pos_ < size_ ? pos_ : size_;
    std::size_t n = bytes < size_ - start ? bytes : size_ - start;
    pos_ = start + n;
    return {data_ + start, n};
  }
  std::span<const std::uint8_t> rest() { return take_span(size_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// `count` stream descriptors as a tensor decoder meets them: role below `roles`, coding below
// `codings`, a decoded size that is sometimes absurdly large, and consecutive file offsets.
inline std::vector<StreamView> take_streams(Input& in, std::size_t count, unsigned roles,
                                            unsigned codings) {
  std::vector<StreamView> streams;
  std::uint64_t file_offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    StreamView s;
    s.role = StreamRole(in.take(1) % roles);
    s.coding = StreamCoding(in.take(1) % codings);
    s.param = std::uint16_t(in.take(2));
    s.decoded_size = in.take(1) & 0x80 ? in.take(8) : in.take(3);
    s.bytes = in.take_span(in.take(2));
    s.file_offset = file_offset;
    file_offset += s.bytes.size();
    streams.push_back(s);
  }
  return streams;
}

}  // namespace dcz::fuzz
