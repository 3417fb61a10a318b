#include "dcz/encoded_tensor.h"

namespace dcz {

std::uint64_t TensorView::element_count() const {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::uint64_t>(d);
  return n;
}

std::uint64_t EncodedTensor::stored_size() const {
  std::uint64_t n = 0;
  for (const EncodedStream& s : streams) n += s.bytes.size();
  return n;
}

}  // namespace dcz
