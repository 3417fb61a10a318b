// Fuzz target: parse any bytes as a .dcz container and decode every tensor; then the same bytes
// with every checksum recomputed, so that mutations reach the structures behind the checksums.
// Must never crash, hang or allocate without bound; errors are fine.
#include <cstdint>
#include <vector>

#include "container/container_fixture.h"
#include "dcz/container.h"

namespace {

void parse_and_decode(std::span<const std::uint8_t> bytes) {
  auto c = dcz::read_container(bytes, "fuzz");
  if (!c.is_ok()) return;
  std::uint64_t budget = 64ull << 20;  // the harness's memory cap, not a format rule
  for (std::size_t i = 0; i < c->tensors.size(); ++i) {
    const std::uint64_t n = c->tensors[i].byte_size;
    if (n > budget) break;
    budget -= n;
    std::vector<std::uint8_t> out(n);
    (void)dcz::decode_tensor(*c, i, out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parse_and_decode({data, size});
  if (size >= 48 && size < (16u << 20)) {
    std::vector<std::uint8_t> sealed(data, data + size);
    dcz::testing::reseal(sealed);
    parse_and_decode(sealed);
  }
  return 0;
}
