// Picks a tensor's representation: dense always works; sparse + codebook is tried when asked and
// kept only when it is strictly smaller (SPEC 5). The decision never depends on thread count.
#pragma once

#include "container/dense.h"
#include "dcz/codec.h"
#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz {

// `gap_bits` is the paper's relative-index width for this tensor (8 conv, 5 fully connected).
Result<EncodedTensor> encode_tensor(const TensorView& tensor, unsigned gap_bits,
                                    const EncodeOptions& options);

// Bytes this encoding costs in the file: streams plus its tensor-table parameters. Padding
// between streams is not counted (it depends on the position in the file).
std::uint64_t encoded_cost(const EncodedTensor& encoded);

}  // namespace dcz
