// The interface between tensor representations (dense, sparse + codebook) and the container.
// A representation turns a tensor's raw little-endian bytes into a small parameter block and a few
// coded streams; the container lays the streams out aligned in the DATA section and records them
// in the tensor table (format/SPEC.md, "Tensor entry" and "Stream descriptor").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/status.h"

namespace dcz {

// SPEC "Representations". Numeric values are format constants.
enum class Representation : std::uint8_t {
  kDense = 0,           // the tensor's bytes, one stream
  kSparseCodebook = 1,  // codebook + indices of the nonzeros + their positions
  kLevels = 2,          // codebook + one context-coded signed level per element
};

// SPEC "Stream roles".
enum class StreamRole : std::uint8_t {
  kDenseBytes = 0,     // all elements, raw little-endian layout
  kCodebook = 1,       // the distinct nonzero values, tensor dtype, ascending by bit pattern order
  kIndices = 2,        // one codebook index per nonzero, row-major order
  kPositions = 3,      // where the nonzeros are (gap symbols or bitmap)
  kPositionExtra = 4,  // extra bits of escaped gaps
  kLevels = 5,         // one signed level per element (codebook index around zero), row-major
};

// SPEC "Stream codings". `param` of a stream descriptor is coding-specific (bits per symbol for
// kFixedBits, element size for kShuffleZstd, ...).
enum class StreamCoding : std::uint8_t {
  kRaw = 0,          // bytes as they are
  kZstd = 1,         // one zstd frame of the bytes
  kShuffleZstd = 2,  // byte planes of `param`-byte elements, then one zstd frame
  kFixedBits = 3,    // symbols of `param` bits each, packed LSB first
  kHuffman = 4,      // canonical Huffman, length-limited, interleaved bit streams
  kZstdSymbols = 5,  // symbols as u8 (alphabet <= 256) or u16 LE, then one zstd frame
  kAdaptiveBinary = 6,  // levels: context-adaptive binary range coder, independent chunks
};

// A raw tensor as the codecs see it. For kString, `bytes` holds each element as a u32 LE byte
// length followed by its bytes (SPEC "String tensors").
struct TensorView {
  DType dtype = DType::kFloat32;
  std::span<const std::int64_t> dims;
  std::span<const std::uint8_t> bytes;
  std::uint64_t element_count() const;
};

struct EncodedStream {
  StreamRole role = StreamRole::kDenseBytes;
  StreamCoding coding = StreamCoding::kRaw;
  std::uint16_t param = 0;
  // Decoded length: bytes for byte streams, symbols for symbol streams (SPEC per coding).
  std::uint64_t decoded_size = 0;
  std::vector<std::uint8_t> bytes;
};

struct EncodedTensor {
  Representation representation = Representation::kDense;
  std::vector<std::uint8_t> params;  // representation parameter block (SPEC per representation)
  std::vector<EncodedStream> streams;
  std::uint64_t stored_size() const;  // sum of stream byte sizes
};

// What a decoder gets back from the container: descriptors plus views into the mapped file.
struct StreamView {
  StreamRole role = StreamRole::kDenseBytes;
  StreamCoding coding = StreamCoding::kRaw;
  std::uint16_t param = 0;
  std::uint64_t decoded_size = 0;
  std::uint64_t file_offset = 0;  // absolute offset of the stream in the file, for messages
  std::span<const std::uint8_t> bytes;
};

struct EncodedTensorView {
  Representation representation = Representation::kDense;
  std::span<const std::uint8_t> params;
  std::vector<StreamView> streams;
};

}  // namespace dcz
