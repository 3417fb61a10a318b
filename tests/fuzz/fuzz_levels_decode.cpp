// Fuzz target for the levels representation (format/SPEC.md 6.10).
//
// Input byte 0 picks the mode:
//   bit 7 clear — decode: the input describes an encoded tensor (dtype, dims, parameter block, up
//                 to 3 stream descriptors with their bytes) and is handed to decode_levels (one
//                 and two threads) and account_levels, which must return an error or succeed,
//                 never crash, hang or allocate beyond the output and a row of levels;
//   bit 7 set   — round trip: the rest is a raw tensor, shaped and encoded with options taken
//                 from bytes 1-2 (dtype, row length, chunk size, context set), decoded, and must
//                 come back bit-exact (trap otherwise).
// Self-contained: links against dcz_core only; a replay driver or libFuzzer provides main().
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "entropy/levels.h"
#include "fuzz/fuzz_input.h"

namespace {

using dcz::fuzz::kDtypes;
constexpr std::uint64_t kMaxElements = 1u << 16;

using dcz::fuzz::Input;

// Up to 3 dims whose product stays within kMaxElements.
std::vector<std::int64_t> take_dims(Input& in) {
  std::vector<std::int64_t> dims(std::size_t(in.take(1) % 4));
  std::uint64_t product = 1;
  for (std::int64_t& d : dims) {
    d = std::int64_t(in.take(2) % 1024);
    if (product * std::uint64_t(d) > kMaxElements) d = 1;
    product *= std::uint64_t(d);
  }
  return dims;
}

void fuzz_decode(Input& in) {
  const dcz::DType dtype = kDtypes[in.take(1) % std::size(kDtypes)];
  const std::vector<std::int64_t> dims = take_dims(in);
  dcz::EncodedTensorView view;
  view.representation = dcz::Representation(in.take(1) % 3);
  view.params = in.take_span(in.take(2) % 600);
  const std::size_t stream_count = in.take(1) % 4;
  view.streams = dcz::fuzz::take_streams(in, stream_count, 7, 8);
  std::uint64_t elements = 1;
  for (std::int64_t d : dims) elements *= std::uint64_t(d);
  const std::size_t value_size = dcz::dtype_size(dtype);
  std::vector<std::uint8_t> out(std::size_t(elements) * (value_size == 0 ? 1 : value_size));
  (void)dcz::decode_levels(view, dtype, dims, out);
  (void)dcz::decode_levels(view, dtype, dims, out, false, 2);
  (void)dcz::account_levels(view, dtype, dims);
}

void fuzz_round_trip(Input& in) {
  const std::uint64_t choice = in.take(2);
  const dcz::DType dtype = kDtypes[choice % 13];  // numeric dtypes only
  const std::size_t value_size = dcz::dtype_size(dtype);
  std::span<const std::uint8_t> raw = in.rest();
  const std::int64_t count = std::int64_t(raw.size() / value_size);
  // Rows of 1 ... 16 elements (a single row when they do not divide the count).
  const std::int64_t row = std::int64_t((choice >> 4) % 16 + 1);
  std::vector<std::int64_t> dims{count};
  if (count % row == 0 && count > 0) dims = {count / row, row};
  dcz::LevelsOptions o;
  o.chunk_elements = (choice >> 8) % 64 + 1;
  // Bits 14-15: the writer's choice (0, 3), context set 0 forced (1) or set 1 forced (2).
  const dcz::LevelsOptions::ContextSet sets[] = {dcz::LevelsOptions::ContextSet::kSmaller,
                                                 dcz::LevelsOptions::ContextSet::kNeighbours,
                                                 dcz::LevelsOptions::ContextSet::kColumnActivity,
                                                 dcz::LevelsOptions::ContextSet::kSmaller};
  o.context_set = sets[(choice >> 14) & 3];
  std::vector<std::uint8_t> bytes(raw.begin(), raw.begin() + std::ptrdiff_t(std::size_t(count) * value_size));
  dcz::TensorView tensor{dtype, dims, bytes};
  auto encoded = dcz::encode_levels(tensor, o);
  if (!encoded.is_ok()) __builtin_trap();  // valid options: only "declined" is acceptable
  if (!encoded->has_value()) return;       // empty tensor, or over 65536 distinct values
  const dcz::EncodedTensor& e = **encoded;
  dcz::EncodedTensorView view{e.representation, e.params, {}};
  for (const dcz::EncodedStream& s : e.streams) {
    view.streams.push_back({s.role, s.coding, s.param, s.decoded_size, 0, s.bytes});
  }
  std::vector<std::uint8_t> out(bytes.size());
  dcz::Status s = dcz::decode_levels(view, dtype, dims, out, false, 2);
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
