// Fuzz target: turn the input into tensors (dtype, shape and values drawn from the bytes, with
// many zeros and repeated values so the sparse + codebook path is exercised), encode them with
// every option set into a container, read it back and require bit-exact equality.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "container/encode_tensor.h"
#include "dcz/container.h"

namespace {

const dcz::DType kTypes[] = {dcz::DType::kFloat32, dcz::DType::kFloat16, dcz::DType::kBFloat16,
                             dcz::DType::kFloat64, dcz::DType::kInt8,    dcz::DType::kInt32,
                             dcz::DType::kUInt8,   dcz::DType::kInt64,   dcz::DType::kBool};

[[noreturn]] void fail(const char* what, const dcz::Status& s) {
  std::fprintf(stderr, "fuzz_encode_decode: %s: %s\n", what, s.to_string().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const dcz::DType dtype = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])];
  const std::size_t esize = dcz::dtype_size(dtype);
  const unsigned palette = 1u + data[1];     // distinct values to draw from
  const unsigned zero_share = data[2] % 101; // percent of zeros
  const std::size_t count = std::min<std::size_t>((size - 3) * 4, 1 << 16);
  // Values: a small palette built from the input bytes; positions zero with the given share.
  std::vector<std::uint8_t> bytes(count * esize, 0);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t b = data[3 + (i % (size - 3))];
    if ((b * 37u + i) % 100 < zero_share) continue;
    const unsigned pick = (b + i / 7) % palette;
    for (std::size_t k = 0; k < esize; ++k) {
      bytes[i * esize + k] = static_cast<std::uint8_t>(data[(pick + k) % size] ^ (pick * 131 + k));
    }
    if (dtype == dcz::DType::kBool) bytes[i] &= 1;
  }
  const std::vector<std::int64_t> dims = {static_cast<std::int64_t>(count)};
  const dcz::TensorView view{dtype, dims, bytes};

  dcz::EncodeOptions o;
  o.entropy = static_cast<dcz::EncodeOptions::Entropy>(data[1] % 5);
  o.positions = static_cast<dcz::EncodeOptions::Positions>(data[2] % 4);
  o.fc_gap_bits = 1 + data[3] % 16;
  o.zstd_level = 1;
  auto enc = dcz::encode_tensor(view, o.fc_gap_bits, o);
  if (!enc.is_ok()) fail("encode", enc.status());

  dcz::VectorSink sink;
  dcz::ContainerWriter w(sink);
  if (auto s = w.begin({}, 1); !s) fail("begin", s);
  if (auto s = w.add_tensor({"t", dtype, dims, 0, bytes.size()}, *enc); !s) fail("add", s);
  if (auto s = w.finish(); !s) fail("finish", s);
  auto c = dcz::read_container(sink.bytes(), "fuzz");
  if (!c.is_ok()) fail("read", c.status());
  std::vector<std::uint8_t> out(bytes.size());
  if (auto s = dcz::decode_tensor(*c, 0, out); !s) fail("decode", s);
  if (out != bytes) fail("round trip", dcz::make_error(dcz::ErrorCode::kOk, "bytes differ"));
  return 0;
}
