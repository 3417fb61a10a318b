// gzip decompression for dataset files (MNIST ships as .gz), over zlib.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dcz/status.h"

namespace dcz::eval {

// True when the bytes start with the gzip magic 1f 8b.
bool is_gzip(std::span<const std::uint8_t> bytes);

// Inflates a whole gzip stream. A corrupt or truncated stream is kBadDataset naming `name` and the
// compressed byte offset; output above `max_bytes` is kOutOfMemory.
Result<std::vector<std::uint8_t>> gunzip(std::span<const std::uint8_t> bytes, std::string_view name,
                                         std::uint64_t max_bytes);

}  // namespace dcz::eval
