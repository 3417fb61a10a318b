// Error messages of the stream decoders name the stream's role and the absolute byte offset in the
// file (StreamView::file_offset + offset inside the stream), so a user can find the bad byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dcz/encoded_tensor.h"
#include "dcz/status.h"

namespace dcz::entropy {

// "codebook", "indices", "positions", "position-extra", "dense"; "unknown" for other values.
std::string_view stream_role_name(StreamRole role);

// "<role> stream at byte <file_offset + local_offset>: <what>".
Status stream_error(ErrorCode code, const StreamView& stream, std::uint64_t local_offset,
                    std::string_view what);

}  // namespace dcz::entropy
