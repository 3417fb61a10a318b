// Builders and surgery for container tests: a small valid file, and `reseal` to recompute every
// checksum after a test edits fields, so each malformed case fails on the rule it targets rather
// than on a checksum.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcz/container.h"

namespace dcz::testing {

struct FixtureTensor {
  TensorHeader header;
  std::vector<std::uint8_t> bytes;
};

// Four tensors (float32 2x3 with -0.0 and a NaN payload, int64 [4], a 1000-element float32 that
// compresses, 100 incompressible float32 stored raw and aligned) and an opaque 40-byte skeleton.
std::vector<FixtureTensor> fixture_tensors();
std::vector<std::uint8_t> fixture_skeleton();

// Encodes tensors dense with the container writer, GRPH and TENS stored raw (editable in place).
std::vector<std::uint8_t> build_container(const std::vector<FixtureTensor>& tensors,
                                          std::span<const std::uint8_t> skeleton,
                                          std::uint32_t alignment_log2 = 6);

struct SectionLoc {
  std::uint32_t type;
  std::uint64_t header_offset, payload_offset, payload_size;
};
// Walks section headers without verifying anything (for surgery on possibly broken files).
std::vector<SectionLoc> locate_sections(std::span<const std::uint8_t> file);
const SectionLoc* find_section(const std::vector<SectionLoc>& s, std::uint32_t type);

// Recomputes the file header checksum, each section header checksum and payload checksum.
void reseal(std::vector<std::uint8_t>& file);

void put_u32(std::vector<std::uint8_t>& f, std::uint64_t off, std::uint32_t v);
void put_u64(std::vector<std::uint8_t>& f, std::uint64_t off, std::uint64_t v);

// Offset of tensor entry `index` in the TENS payload of a valid file.
std::uint64_t tensor_entry_offset(std::span<const std::uint8_t> file, std::size_t index);

}  // namespace dcz::testing
