// Conversion between TensorProto's typed fields and the raw little-endian layout.
//
// ONNX stores values either in raw_data (little-endian, packed) or in one typed field chosen by
// data_type (onnx.proto, TensorProto): float_data for float32 and complex64 (real, imag pairs);
// double_data for float64 and complex128; int32_data for int32, and for int8/uint8/int16/uint16/
// bool/float16/bfloat16 (float16 and bfloat16 as their uint16 bit patterns); int64_data for int64;
// uint64_data for uint32 and uint64; string_data for strings. Values move as bit patterns
// (memcpy), never through floating-point arithmetic, so NaN payloads and -0.0 survive.
#include <bit>
#include <cstring>
#include <limits>

#include "onnx/onnx_model_impl.h"

namespace dcz::onnx_internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the raw layout is little-endian; a big-endian port must byte-swap here");

enum class TypedField { kFloat, kDouble, kInt32, kInt64, kUInt64, kString };

TypedField typed_field_of(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kComplex64: return TypedField::kFloat;
    case DType::kFloat64: case DType::kComplex128: return TypedField::kDouble;
    case DType::kInt64: return TypedField::kInt64;
    case DType::kUInt32: case DType::kUInt64: return TypedField::kUInt64;
    case DType::kString: return TypedField::kString;
    default: return TypedField::kInt32;
  }
}

const char* field_name(TypedField f) {
  switch (f) {
    case TypedField::kFloat: return "float_data";
    case TypedField::kDouble: return "double_data";
    case TypedField::kInt32: return "int32_data";
    case TypedField::kInt64: return "int64_data";
    case TypedField::kUInt64: return "uint64_data";
    case TypedField::kString: return "string_data";
  }
  return "?";
}

int typed_field_size(const onnx::TensorProto& t, TypedField f) {
  switch (f) {
    case TypedField::kFloat: return t.float_data_size();
    case TypedField::kDouble: return t.double_data_size();
    case TypedField::kInt32: return t.int32_data_size();
    case TypedField::kInt64: return t.int64_data_size();
    case TypedField::kUInt64: return t.uint64_data_size();
    case TypedField::kString: return t.string_data_size();
  }
  return 0;
}

constexpr TypedField kAllFields[] = {TypedField::kFloat, TypedField::kDouble, TypedField::kInt32,
                                     TypedField::kInt64, TypedField::kUInt64, TypedField::kString};

// Values per element in the typed field: complex numbers are (real, imag) pairs.
std::uint64_t values_per_element(DType t) {
  return t == DType::kComplex64 || t == DType::kComplex128 ? 2 : 1;
}

// The range an int32_data value may take for a narrow dtype.
struct Range {
  std::int64_t lo, hi;
};
Range int32_field_range(DType t) {
  switch (t) {
    case DType::kInt8: return {-128, 127};
    case DType::kUInt8: return {0, 255};
    case DType::kInt16: return {-32768, 32767};
    case DType::kUInt16: case DType::kFloat16: case DType::kBFloat16: return {0, 65535};
    case DType::kBool: return {0, 1};
    default: return {std::numeric_limits<std::int32_t>::min(),
                     std::numeric_limits<std::int32_t>::max()};
  }
}

template <class T>
void copy_field_to_raw(const google::protobuf::RepeatedField<T>& field, std::string& raw) {
  raw.resize(static_cast<std::size_t>(field.size()) * sizeof(T));
  if (!raw.empty()) std::memcpy(raw.data(), field.data(), raw.size());
}

template <class T>
void copy_raw_to_field(const std::string& raw, google::protobuf::RepeatedField<T>& field) {
  const auto n = static_cast<int>(raw.size() / sizeof(T));
  field.Resize(n, T{});
  if (n > 0) std::memcpy(field.mutable_data(), raw.data(), raw.size());
}

// Narrows int32_data values to `width`-byte little-endian integers (two's complement).
void int32_field_to_raw(const google::protobuf::RepeatedField<std::int32_t>& field,
                        std::size_t width, std::string& raw) {
  raw.resize(static_cast<std::size_t>(field.size()) * width);
  for (int i = 0; i < field.size(); ++i) {
    const auto v = static_cast<std::uint32_t>(field.Get(i));
    std::memcpy(raw.data() + static_cast<std::size_t>(i) * width, &v, width);
  }
}

// Widens `width`-byte values back to int32 (sign-extended for signed dtypes).
void raw_to_int32_field(const std::string& raw, DType t,
                        google::protobuf::RepeatedField<std::int32_t>& field) {
  const std::size_t width = dtype_size(t);
  const auto n = static_cast<int>(raw.size() / width);
  field.Resize(n, 0);
  const auto* p = reinterpret_cast<const std::uint8_t*>(raw.data());
  std::int32_t* out = field.mutable_data();
  for (int i = 0; i < n; ++i, p += width) {
    switch (t) {
      case DType::kInt8: out[i] = static_cast<std::int8_t>(p[0]); break;
      case DType::kInt16: {
        std::int16_t v;
        std::memcpy(&v, p, 2);
        out[i] = v;
        break;
      }
      case DType::kInt32: std::memcpy(&out[i], p, 4); break;
      default: {  // unsigned and bit patterns: zero-extended
        std::uint16_t v = 0;
        std::memcpy(&v, p, width);
        out[i] = v;
      }
    }
  }
}

std::string strings_to_layout(const google::protobuf::RepeatedPtrField<std::string>& strings) {
  std::size_t total = 0;
  for (const auto& s : strings) total += 4 + s.size();
  std::string out;
  out.reserve(total);
  for (const auto& s : strings) {
    const auto len = static_cast<std::uint32_t>(s.size());
    char le[4];
    std::memcpy(le, &len, 4);
    out.append(le, 4);
    out.append(s);
  }
  return out;
}

Status check_int32_range(const onnx::TensorProto& t, const TensorInfo& info) {
  const Range r = int32_field_range(info.dtype);
  for (int i = 0; i < t.int32_data_size(); ++i) {
    const std::int64_t v = t.int32_data(i);
    if (v < r.lo || v > r.hi) {
      return make_error(ErrorCode::kBadOnnx,
                        describe_tensor(info) + ": int32_data[" + std::to_string(i) + "] = " +
                            std::to_string(v) + " is out of range for " +
                            std::string(dtype_name(info.dtype)));
    }
  }
  return Status::ok();
}

Status check_uint64_range(const onnx::TensorProto& t, const TensorInfo& info) {
  if (info.dtype != DType::kUInt32) return Status::ok();
  for (int i = 0; i < t.uint64_data_size(); ++i) {
    if (t.uint64_data(i) > std::numeric_limits<std::uint32_t>::max()) {
      return make_error(ErrorCode::kBadOnnx,
                        describe_tensor(info) + ": uint64_data[" + std::to_string(i) + "] = " +
                            std::to_string(t.uint64_data(i)) + " is out of range for uint32");
    }
  }
  return Status::ok();
}

Status check_only_field(const onnx::TensorProto& t, const TensorInfo& info,
                        const TypedField* allowed) {
  for (TypedField f : kAllFields) {
    if ((allowed == nullptr || f != *allowed) && typed_field_size(t, f) > 0) {
      std::string why = allowed ? std::string("only ") + field_name(*allowed) + " belongs to " +
                                      std::string(dtype_name(info.dtype))
                                : std::string("raw_data is set too");
      return make_error(ErrorCode::kBadOnnx,
                        describe_tensor(info) + ": " + field_name(f) + " is set but " + why);
    }
  }
  return Status::ok();
}

Status normalize_string_tensor(onnx::TensorProto& t, TensorInfo& info, std::uint64_t count) {
  if (t.has_raw_data()) {
    return make_error(ErrorCode::kBadOnnx,
                      describe_tensor(info) + ": string tensors cannot use raw_data");
  }
  const TypedField f = TypedField::kString;
  DCZ_TRY(check_only_field(t, info, &f));
  if (static_cast<std::uint64_t>(t.string_data_size()) != count) {
    return make_error(ErrorCode::kBadOnnx, describe_tensor(info) + ": string_data has " +
                                               std::to_string(t.string_data_size()) +
                                               " elements, dims say " + std::to_string(count));
  }
  *t.mutable_raw_data() = strings_to_layout(t.string_data());
  t.clear_string_data();
  info.typed_storage = true;
  return Status::ok();
}

}  // namespace

void typed_to_raw_trusted(onnx::TensorProto& t, DType dtype) {
  std::string raw;
  switch (typed_field_of(dtype)) {
    case TypedField::kFloat: copy_field_to_raw(t.float_data(), raw); t.clear_float_data(); break;
    case TypedField::kDouble: copy_field_to_raw(t.double_data(), raw); t.clear_double_data(); break;
    case TypedField::kInt64: copy_field_to_raw(t.int64_data(), raw); t.clear_int64_data(); break;
    case TypedField::kUInt64:
      if (dtype == DType::kUInt64) {
        copy_field_to_raw(t.uint64_data(), raw);
      } else {
        raw.resize(static_cast<std::size_t>(t.uint64_data_size()) * 4);
        for (int i = 0; i < t.uint64_data_size(); ++i) {
          const auto v = static_cast<std::uint32_t>(t.uint64_data(i));
          std::memcpy(raw.data() + static_cast<std::size_t>(i) * 4, &v, 4);
        }
      }
      t.clear_uint64_data();
      break;
    case TypedField::kInt32:
      int32_field_to_raw(t.int32_data(), dtype_size(dtype), raw);
      t.clear_int32_data();
      break;
    case TypedField::kString:
      raw = strings_to_layout(t.string_data());
      t.clear_string_data();
      break;
  }
  *t.mutable_raw_data() = std::move(raw);
}

void raw_to_typed(onnx::TensorProto& t, DType dtype) {
  const std::string& raw = t.raw_data();
  switch (typed_field_of(dtype)) {
    case TypedField::kFloat: copy_raw_to_field(raw, *t.mutable_float_data()); break;
    case TypedField::kDouble: copy_raw_to_field(raw, *t.mutable_double_data()); break;
    case TypedField::kInt64: copy_raw_to_field(raw, *t.mutable_int64_data()); break;
    case TypedField::kUInt64:
      if (dtype == DType::kUInt64) {
        copy_raw_to_field(raw, *t.mutable_uint64_data());
      } else {
        auto* field = t.mutable_uint64_data();
        field->Resize(static_cast<int>(raw.size() / 4), 0);
        for (int i = 0; i < field->size(); ++i) {
          std::uint32_t v;
          std::memcpy(&v, raw.data() + static_cast<std::size_t>(i) * 4, 4);
          field->Set(i, v);
        }
      }
      break;
    case TypedField::kInt32: raw_to_int32_field(raw, dtype, *t.mutable_int32_data()); break;
    case TypedField::kString: {
      auto* out = t.mutable_string_data();
      std::size_t pos = 0;
      while (pos + 4 <= raw.size()) {  // the layout was validated when it was stored
        std::uint32_t len;
        std::memcpy(&len, raw.data() + pos, 4);
        out->Add(raw.substr(pos + 4, len));
        pos += 4 + len;
      }
      break;
    }
  }
  t.clear_raw_data();
}

Status check_string_layout(std::span<const std::uint8_t> bytes, std::uint64_t count,
                           const TensorInfo& info) {
  std::uint64_t pos = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 4) {
      return make_error(ErrorCode::kBadSize,
                        describe_tensor(info) + ": string element " + std::to_string(i) +
                            ": length prefix truncated at byte " + std::to_string(pos));
    }
    std::uint32_t len;
    std::memcpy(&len, bytes.data() + pos, 4);
    pos += 4;
    if (bytes.size() - pos < len) {
      return make_error(ErrorCode::kBadSize, describe_tensor(info) + ": string element " +
                                                 std::to_string(i) + " of " +
                                                 std::to_string(len) + " bytes truncated at byte " +
                                                 std::to_string(pos));
    }
    pos += len;
  }
  if (pos != bytes.size()) {
    return make_error(ErrorCode::kBadSize, describe_tensor(info) + ": " +
                                               std::to_string(bytes.size() - pos) +
                                               " bytes after the last string element");
  }
  return Status::ok();
}

Status normalize_tensor_storage(onnx::TensorProto& t, TensorInfo& info) {
  DCZ_ASSIGN_OR_RETURN(const std::uint64_t bytes, expected_byte_size(info));
  const std::uint64_t count = info.element_count();
  if (info.dtype == DType::kString) return normalize_string_tensor(t, info, count);
  if (t.has_raw_data()) {
    DCZ_TRY(check_only_field(t, info, nullptr));
    if (t.raw_data().size() != bytes) {
      return make_error(ErrorCode::kBadOnnx, describe_tensor(info) + ": raw_data has " +
                                                 std::to_string(t.raw_data().size()) +
                                                 " bytes, dtype and dims need " +
                                                 std::to_string(bytes));
    }
    info.typed_storage = false;
    return Status::ok();
  }
  const TypedField f = typed_field_of(info.dtype);
  DCZ_TRY(check_only_field(t, info, &f));
  const auto have = static_cast<std::uint64_t>(typed_field_size(t, f));
  if (have != count * values_per_element(info.dtype)) {
    return make_error(ErrorCode::kBadOnnx,
                      describe_tensor(info) + ": " + field_name(f) + " has " +
                          std::to_string(have) + " values, dtype and dims need " +
                          std::to_string(count * values_per_element(info.dtype)));
  }
  if (f == TypedField::kInt32) DCZ_TRY(check_int32_range(t, info));
  if (f == TypedField::kUInt64) DCZ_TRY(check_uint64_range(t, info));
  typed_to_raw_trusted(t, info.dtype);
  info.typed_storage = true;
  return Status::ok();
}

}  // namespace dcz::onnx_internal
