// Constants of the .dcz container, mirroring format/SPEC.md one to one. A change here is a format
// change: update the spec, its change list and the golden files together.
#pragma once

#include <array>
#include <cstdint>

namespace dcz::format {

// SPEC "File header". PNG-style: a high-bit first byte catches 7-bit channels, CR LF catches
// newline translation, ^Z stops DOS `type`, the final LF catches LF->CRLF.
inline constexpr std::array<std::uint8_t, 8> kMagic = {0x89, 'D', 'C', 'Z', 0x0D, 0x0A, 0x1A, 0x0A};
inline constexpr std::uint16_t kVersionMajor = 1;
inline constexpr std::uint16_t kVersionMinor = 0;
// Written as a little-endian u32; a reader that sees 0x0D0C0B0A is looking at a big-endian writer.
inline constexpr std::uint32_t kByteOrderMark = 0x0A0B0C0D;
inline constexpr std::uint32_t kFileHeaderSize = 48;
inline constexpr std::uint32_t kSectionHeaderSize = 32;
inline constexpr std::uint64_t kChecksumSeed = 0;  // XXH64 seed for every checksum in the file
inline constexpr std::uint32_t kDefaultAlignmentLog2 = 6;  // 64 bytes: a cache line, AVX-512
inline constexpr std::uint32_t kMinAlignmentLog2 = 5;      // section header (32 B) fits before data
inline constexpr std::uint32_t kMaxAlignmentLog2 = 16;

// File header flags: none defined in v1; every bit is reserved (reader MUST reject).
inline constexpr std::uint32_t kFileFlagsReservedMask = 0xFFFFFFFFu;

// Section types: four ASCII bytes read as a little-endian u32.
constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
  return std::uint32_t(std::uint8_t(a)) | std::uint32_t(std::uint8_t(b)) << 8 |
         std::uint32_t(std::uint8_t(c)) << 16 | std::uint32_t(std::uint8_t(d)) << 24;
}
inline constexpr std::uint32_t kSectionGraph = fourcc('G', 'R', 'P', 'H');
inline constexpr std::uint32_t kSectionTensorData = fourcc('D', 'A', 'T', 'A');
inline constexpr std::uint32_t kSectionTensorTable = fourcc('T', 'E', 'N', 'S');

// Section flags. Bit 0: a reader that does not know the section type MUST reject the file if set
// and MUST skip the section if clear. Bits 1..31 are reserved (reader MUST reject).
inline constexpr std::uint32_t kSectionFlagRequired = 1u << 0;
inline constexpr std::uint32_t kSectionFlagsReservedMask = ~kSectionFlagRequired;

// Graph section: how the ModelProto skeleton is stored.
inline constexpr std::uint8_t kGraphCodingRaw = 0;
inline constexpr std::uint8_t kGraphCodingZstd = 1;

// Tensor entry flags (byte). Bit 0: the ONNX tensor kept its values in a typed field
// (float_data, int32_data, ...) rather than raw_data; the decoder restores the same field.
inline constexpr std::uint8_t kTensorFlagOnnxTypedField = 1u << 0;
inline constexpr std::uint8_t kTensorFlagsReservedMask = 0xFE;

inline constexpr std::uint64_t kMinSections = 3;
inline constexpr std::uint64_t kMaxSkeletonSize = 0x7FFFFFFF;
// SPEC 2.3: a coded block decodes to at most 2^31-1 bytes and 1024 x its stored size + 4096.
inline constexpr std::uint64_t kMaxCodedBlockSize = 0x7FFFFFFF;
inline constexpr std::uint64_t kMaxCodedBlockRatio = 1024;
inline constexpr std::uint32_t kTensorEntryFixedSize = 32;
inline constexpr std::uint32_t kStreamDescriptorSize = 32;
inline constexpr std::uint32_t kGraphHeaderSize = 16;

// Upper bounds a reader enforces before allocating (SPEC "Limits").
inline constexpr std::uint64_t kMaxSections = 1024;
inline constexpr std::uint64_t kMaxTensors = 1u << 24;
inline constexpr std::uint32_t kMaxRank = 64;
inline constexpr std::uint32_t kMaxNameLength = 1u << 16;
inline constexpr std::uint32_t kMaxStreamsPerTensor = 16;
inline constexpr std::uint32_t kMaxParamsSize = 1024;

}  // namespace dcz::format
