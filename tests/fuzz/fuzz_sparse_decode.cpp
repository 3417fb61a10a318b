// Fuzz target for the sparse + codebook representation (format/SPEC.md section 6).
//
// Input byte 0 picks the mode:
//   bit 7 clear — decode: the input describes an encoded tensor (dtype, element count, parameter
//                 block, up to 5 stream descriptors with their bytes) and is handed to
//                 decode_sparse_codebook and account_sparse_codebook, which must return an error
//                 or succeed, never crash, hang or allocate beyond a few bytes per element;
//   bit 7 set   — round trip: the rest is a raw tensor that is encoded with options taken from
//                 byte 1, decoded, and must come back bit-exact (trap otherwise).
// Self-contained: links against dcz_core only; a replay driver or libFuzzer provides main().
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "entropy/sparse_codebook.h"

namespace {

constexpr dcz::DType kDtypes[] = {
    dcz::DType::kFloat32, dcz::DType::kFloat16, dcz::DType::kBFloat16, dcz::DType::kFloat64,
    dcz::DType::kInt8,    dcz::DType::kUInt8,   dcz::DType::kInt16,    dcz::DType::kUInt16,
    dcz::DType::kInt32,   dcz::DType::kUInt32,  dcz::DType::kInt64,    dcz::DType::kUInt64,
    dcz::DType::kBool,    dcz::DType::kComplex64, dcz::DType::kString};
constexpr std::uint64_t kMaxElements = 1u << 16;

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

void fuzz_decode(Input& in) {
  const dcz::DType dtype = kDtypes[in.take(1) % std::size(kDtypes)];
  const std::uint64_t elements = in.take(2) % (kMaxElements + 1);
  dcz::EncodedTensorView view;
  view.representation = dcz::Representation(in.take(1) % 2);
  view.params = in.take_span(in.take(1) % 24);
  const std::size_t stream_count = in.take(1) % 6;
  std::uint64_t file_offset = 0;
  for (std::size_t i = 0; i < stream_count; ++i) {
    dcz::StreamView s;
    s.role = dcz::StreamRole(in.take(1) % 6);
    s.coding = dcz::StreamCoding(in.take(1) % 7);
    s.param = std::uint16_t(in.take(2));
    s.decoded_size = in.take(1) & 0x80 ? in.take(8) : in.take(3);  // sometimes absurdly large
    s.bytes = in.take_span(in.take(2));
    s.file_offset = file_offset;
    file_offset += s.bytes.size();
    view.streams.push_back(s);
  }
  const std::size_t value_size = dcz::dtype_size(dtype);
  std::vector<std::uint8_t> out(std::size_t(elements) * (value_size == 0 ? 1 : value_size));
  (void)dcz::decode_sparse_codebook(view, dtype, elements, out);
  (void)dcz::account_sparse_codebook(view, dtype, elements);
}

void fuzz_round_trip(Input& in) {
  const std::uint64_t choice = in.take(2);
  const dcz::DType dtype = kDtypes[choice % 13];  // numeric dtypes only
  dcz::SparseCodebookOptions o;
  o.entropy = dcz::SparseCodebookOptions::Entropy((choice >> 4) % 4);
  o.positions = dcz::SparseCodebookOptions::Positions((choice >> 6) % 4);
  o.gap_bits = unsigned((choice >> 8) % 17);
  o.zstd_level = 1;
  const std::size_t value_size = dcz::dtype_size(dtype);
  std::span<const std::uint8_t> raw = in.rest();
  std::vector<std::uint8_t> bytes(raw.begin(), raw.begin() + std::ptrdiff_t(raw.size() / value_size * value_size));
  std::vector<std::int64_t> dims{std::int64_t(bytes.size() / value_size)};
  dcz::TensorView tensor{dtype, dims, bytes};
  auto encoded = dcz::encode_sparse_codebook(tensor, o);
  if (!encoded.is_ok() || !encoded->has_value()) return;  // e.g. paper gaps without a filler index
  const dcz::EncodedTensor& e = **encoded;
  dcz::EncodedTensorView view{e.representation, e.params, {}};
  for (const dcz::EncodedStream& s : e.streams) {
    view.streams.push_back({s.role, s.coding, s.param, s.decoded_size, 0, s.bytes});
  }
  std::vector<std::uint8_t> out(bytes.size());
  dcz::Status s = dcz::decode_sparse_codebook(view, dtype, dims[0], out);
  if (!s.is_ok() || out != bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  if (in.take(1) & 0x80) {
    fuzz_round_trip(in);
  } else {
    fuzz_decode(in);
  }
  return 0;
}
