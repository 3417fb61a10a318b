#include "entropy/codebook.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "entropy/stream_error.h"
#include "entropy/zstd_symbols.h"

namespace dcz::entropy {

namespace {

// Open-addressing map from nonzero bit pattern to codebook index; 0 marks an empty slot (zero is
// never a key). 2^18 slots keep the load under 1/4 at the 65536-entry limit.
class ValueMap {
 public:
  static constexpr unsigned kLog2Slots = 18;
  ValueMap() : keys_(std::size_t{1} << kLog2Slots, 0), values_(keys_.size(), 0) {}

  // Inserts a key; returns false when it was already present.
  bool insert(std::uint64_t key) {
    std::size_t i = slot(key);
    while (keys_[i] != 0) {
      if (keys_[i] == key) return false;
      i = (i + 1) & (keys_.size() - 1);
    }
    keys_[i] = key;
    return true;
  }
  std::uint32_t& at(std::uint64_t key) {
    std::size_t i = slot(key);
    while (keys_[i] != key) i = (i + 1) & (keys_.size() - 1);
    return values_[i];
  }

 private:
  std::size_t slot(std::uint64_t key) const {
    return std::size_t((key * 0x9E3779B97F4A7C15ull) >> (64 - kLog2Slots));
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
};

template <std::size_t kSize>
std::optional<SparseTensor> split_typed(const TensorView& tensor) {
  const std::uint64_t n = tensor.element_count();
  const std::uint8_t* data = tensor.bytes.data();
  SparseTensor out;
  ValueMap map;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t v = load_value_bits(data + i * kSize, kSize);
    if (v != 0 && map.insert(v)) {
      if (out.codebook.size() == kCodebookMaxSize) return std::nullopt;
      out.codebook.push_back(v);
    }
  }
  const DType dtype = tensor.dtype;
  std::sort(out.codebook.begin(), out.codebook.end(), [dtype](std::uint64_t a, std::uint64_t b) {
    return codebook_order_key(a, dtype) < codebook_order_key(b, dtype);
  });
  for (std::uint32_t k = 0; k < out.codebook.size(); ++k) map.at(out.codebook[k]) = k;
  std::uint64_t run = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t v = load_value_bits(data + i * kSize, kSize);
    if (v == 0) {
      ++run;
      continue;
    }
    out.indices.push_back(std::uint16_t(map.at(v)));
    out.zero_runs.push_back(run);
    run = 0;
  }
  return out;
}

}  // namespace

bool codebook_dtype_supported(DType dtype) {
  if (dtype == DType::kString || dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    return false;
  }
  std::size_t s = dtype_size(dtype);
  return s == 1 || s == 2 || s == 4 || s == 8;
}

std::uint64_t load_value_bits(const std::uint8_t* p, std::size_t size) {
  std::uint64_t v = 0;
  for (std::size_t b = 0; b < size; ++b) v |= std::uint64_t(p[b]) << (8 * b);
  return v;
}

std::uint64_t codebook_order_key(std::uint64_t bits, DType dtype) {
  const unsigned width = unsigned(dtype_size(dtype)) * 8;
  const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  const std::uint64_t sign = std::uint64_t{1} << (width - 1);
  switch (dtype) {
    case DType::kFloat16: case DType::kBFloat16: case DType::kFloat32: case DType::kFloat64:
      return (bits & sign) ? (~bits & mask) : (bits | sign);
    case DType::kInt8: case DType::kInt16: case DType::kInt32: case DType::kInt64:
      return bits ^ sign;
    default:
      return bits;
  }
}

std::optional<SparseTensor> split_sparse_tensor(const TensorView& tensor) {
  assert(codebook_dtype_supported(tensor.dtype));
  switch (dtype_size(tensor.dtype)) {
    case 1: return split_typed<1>(tensor);
    case 2: return split_typed<2>(tensor);
    case 4: return split_typed<4>(tensor);
    default: return split_typed<8>(tensor);
  }
}

Result<std::vector<std::uint64_t>> parse_codebook(const StreamView& stream,
                                                  std::span<const std::uint8_t> raw, DType dtype,
                                                  std::uint32_t count) {
  const std::size_t size = dtype_size(dtype);
  if (raw.size() != std::uint64_t(count) * size) {
    return stream_error(ErrorCode::kBadCodebook, stream, 0,
                        "codebook holds " + std::to_string(raw.size()) + " bytes, " +
                            std::to_string(count) + " entries of " + std::string(dtype_name(dtype)) +
                            " need " + std::to_string(std::uint64_t(count) * size));
  }
  std::vector<std::uint64_t> values(count);
  for (std::uint32_t k = 0; k < count; ++k) {
    values[k] = load_value_bits(raw.data() + std::size_t(k) * size, size);
    if (values[k] == 0) {
      return stream_error(ErrorCode::kBadCodebook, stream, std::uint64_t(k) * size,
                          "codebook entry " + std::to_string(k) + " is zero");
    }
    if (k > 0 && codebook_order_key(values[k - 1], dtype) >= codebook_order_key(values[k], dtype)) {
      return stream_error(ErrorCode::kBadCodebook, stream, std::uint64_t(k) * size,
                          "codebook entry " + std::to_string(k) +
                              (values[k - 1] == values[k] ? " duplicates the previous one"
                                                          : " is out of order"));
    }
  }
  return values;
}

Result<EncodedStream> encode_codebook_stream(std::span<const std::uint64_t> codebook,
                                             std::size_t value_size, CodebookZstd zstd, int level) {
  EncodedStream s;
  s.role = StreamRole::kCodebook;
  s.coding = StreamCoding::kRaw;
  s.decoded_size = codebook.size() * value_size;
  s.bytes.reserve(std::size_t(s.decoded_size));
  for (std::uint64_t v : codebook) {
    for (std::size_t b = 0; b < value_size; ++b) s.bytes.push_back(std::uint8_t(v >> (8 * b)));
  }
  if (s.bytes.empty() || zstd == CodebookZstd::kNever) return s;
  DCZ_ASSIGN_OR_RETURN(std::vector<std::uint8_t> z, zstd_bytes_encode(s.bytes, level));
  if (zstd == CodebookZstd::kAlways || z.size() < s.bytes.size()) {
    s.coding = StreamCoding::kZstd;
    s.bytes = std::move(z);
  }
  return s;
}

Result<std::vector<std::uint64_t>> read_codebook_stream(const StreamView& v, DType dtype,
                                                        std::uint32_t count) {
  const std::uint64_t expect = std::uint64_t(count) * dtype_size(dtype);
  if (v.decoded_size != expect) {
    return stream_error(ErrorCode::kBadCodebook, v, 0,
                        "decoded size " + std::to_string(v.decoded_size) + " but " +
                            std::to_string(count) + " entries need " + std::to_string(expect) +
                            " bytes");
  }
  if (v.coding == StreamCoding::kRaw) return parse_codebook(v, v.bytes, dtype, count);
  if (v.coding != StreamCoding::kZstd) {
    return stream_error(ErrorCode::kBadTensorEntry, v, 0, "codebook coding must be raw or zstd");
  }
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(expect));
  if (!raw.empty() || !v.bytes.empty()) DCZ_TRY(zstd_bytes_decode(v, raw));
  return parse_codebook(v, raw, dtype, count);
}

Status check_tensor_byte_count(const TensorView& tensor) {
  const std::uint64_t elements = tensor.element_count();
  const std::size_t value_size = dtype_size(tensor.dtype);
  if (tensor.bytes.size() / value_size != elements || tensor.bytes.size() % value_size != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor has " + std::to_string(tensor.bytes.size()) + " bytes for " +
                          std::to_string(elements) + " elements of " +
                          std::string(dtype_name(tensor.dtype)));
  }
  return Status::ok();
}

double histogram_entropy_bits(std::span<const std::uint64_t> histogram) {
  std::uint64_t total = 0;
  for (std::uint64_t c : histogram) total += c;
  double bits = 0;
  for (std::uint64_t c : histogram) {
    if (c != 0) bits -= double(c) * std::log2(double(c) / double(total));
  }
  return bits;
}

}  // namespace dcz::entropy
