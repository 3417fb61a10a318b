// Fuzz target: parse any bytes as an ONNX model and, when that works, encode and decode it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "dcz/codec.h"
#include "dcz/onnx_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = dcz::OnnxModel::parse({data, size}, {}, "fuzz");
  if (!m.is_ok()) return 0;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < m->tensor_count(); ++i) total += m->tensor_bytes(i).size();
  if (total > (16ull << 20)) return 0;
  dcz::EncodeOptions o;
  o.zstd_level = 1;
  o.threads = 1;
  auto bytes = dcz::encode_model(*m, o);
  if (!bytes.is_ok()) return 0;  // e.g. a format limit; not a round-trip failure
  auto back = dcz::decode_model(*bytes, "fuzz");
  if (!back.is_ok()) {
    std::fprintf(stderr, "fuzz_onnx_parse: own output does not decode: %s\n", back.status().to_string().c_str());
    std::abort();
  }
  const std::string diff = m->first_difference(*back);
  if (!diff.empty()) {
    std::fprintf(stderr, "fuzz_onnx_parse: round trip differs: %s\n", diff.c_str());
    std::abort();
  }
  return 0;
}
