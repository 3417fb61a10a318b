// Fuzz target: decode any bytes as a whole .dcz model (container + ONNX skeleton + tensors).
#include <cstdint>

#include "dcz/codec.h"
#include "dcz/container.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Skip inputs whose tensors would need more than the harness's memory cap.
  auto c = dcz::read_container({data, size}, "fuzz");
  if (!c.is_ok()) return 0;
  std::uint64_t total = 0;
  for (const auto& t : c->tensors) total += t.byte_size;
  if (total > (64ull << 20)) return 0;
  (void)dcz::decode_model({data, size}, "fuzz");
  return 0;
}
