// Dispatch from a tensor entry to its representation's decoder (SPEC 5).
#include "container/dense.h"
#include "dcz/container.h"
#include "entropy/levels.h"
#include "entropy/sparse_codebook.h"

namespace dcz {

Status decode_tensor(const Container& c, std::size_t i, std::span<std::uint8_t> out,
                     bool out_is_zeroed) {
  const TensorEntry& e = c.tensors.at(i);
  if (out.size() != e.byte_size) {
    return make_error(ErrorCode::kInvalidArgument, "decode_tensor: output size mismatch");
  }
  Status s;
  switch (e.representation) {
    case Representation::kDense:
      s = decode_dense(c.view(i), out);
      break;
    case Representation::kSparseCodebook:
      s = decode_sparse_codebook(c.view(i), e.dtype, e.element_count(), out, out_is_zeroed);
      break;
    case Representation::kLevels:
      s = decode_levels(c.view(i), e.dtype, e.dims, out, out_is_zeroed);
      break;
  }
  if (!s.is_ok()) {
    return std::move(s).with_context(c.source_name + ": tensor " + std::to_string(i) + " '" + e.name + "'");
  }
  if (e.dtype == DType::kString) {
    // SPEC 4: u32 length-prefixed elements exactly fill byte_size.
    std::uint64_t pos = 0, n = 0;
    const std::uint64_t count = e.element_count();
    while (n < count && pos + 4 <= out.size()) {
      const std::uint64_t len = std::uint64_t(out[pos]) | std::uint64_t(out[pos + 1]) << 8 |
                                std::uint64_t(out[pos + 2]) << 16 | std::uint64_t(out[pos + 3]) << 24;
      pos += 4;
      if (len > out.size() - pos) break;
      pos += len;
      ++n;
    }
    if (n != count || pos != out.size()) {
      return make_error(ErrorCode::kBadSize, c.source_name + ": string tensor '" + e.name +
                                                 "' elements do not exactly fill its byte_size");
    }
  }
  return Status::ok();
}

}  // namespace dcz
