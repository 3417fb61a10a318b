// Element types of tensors. The numeric values are ONNX's TensorProto.DataType values so the ONNX
// adapter maps them 1:1, but nothing here depends on ONNX: the .dcz format pins these numbers
// itself (format/SPEC.md, "Element types").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dcz {

enum class DType : std::uint8_t {
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
};

// The DType for a raw value, or nullopt for values this format does not know (0, 17+).
std::optional<DType> dtype_from_int(std::uint32_t value);

// Bytes per element in the little-endian raw layout; 0 for kString (variable length).
std::size_t dtype_size(DType t);

// Lowercase ONNX-style name: "float32", "float16", "bfloat16", "int8", "string", ...
std::string_view dtype_name(DType t);

// Floating-point element types that pruning and quantization work on.
bool dtype_is_float(DType t);

}  // namespace dcz
