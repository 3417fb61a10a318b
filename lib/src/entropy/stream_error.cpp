#include "entropy/stream_error.h"

namespace dcz::entropy {

std::string_view stream_role_name(StreamRole role) {
  switch (role) {
    case StreamRole::kDenseBytes: return "dense";
    case StreamRole::kCodebook: return "codebook";
    case StreamRole::kIndices: return "indices";
    case StreamRole::kPositions: return "positions";
    case StreamRole::kPositionExtra: return "position-extra";
    case StreamRole::kLevels: return "levels";
  }
  return "unknown";
}

Status stream_error(ErrorCode code, const StreamView& stream, std::uint64_t local_offset,
                    std::string_view what) {
  std::string m(stream_role_name(stream.role));
  m += " stream at byte ";
  m += std::to_string(stream.file_offset + local_offset);
  m += ": ";
  m += what;
  return make_error(code, std::move(m));
}

}  // namespace dcz::entropy
