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
#include "fuzz/fuzz_input.h"

namespace {

using dcz::fuzz::kDtypes;
constexpr std::uint64_t kMaxElements = 1u << 16;

using dcz::fuzz::Input;

void fuzz_decode(Input& in) {
  const dcz::DType dtype = kDtypes[in.take(1) % std::size(kDtypes)];
  const std::uint64_t elements = in.take(2) % (kMaxElements + 1);
  dcz::EncodedTensorView view;
  view.representation = dcz::Representation(in.take(1) % 2);
  view.params = in.take_span(in.take(1) % 24);
  const std::size_t stream_count = in.take(1) % 6;
  view.streams = dcz::fuzz::take_streams(in, stream_count, 6, 7);
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
