// Internal state of dcz::OnnxModel, shared by the files of lib/src/onnx/ and by model-level
// operations (lib/src/model/) that must reach the protobuf itself.
//
// Storage invariant: after load/parse every numeric tensor's values are little-endian bytes in
// its TensorProto.raw_data (typed fields cleared, external data read in, data_location and
// external_data cleared). String tensors hold our layout (u32 LE length + bytes per element) in
// raw_data too. Writers (serialize, save, check, skeleton) temporarily move data back to the
// typed fields / out of the proto and restore it before returning; they hold `mutex` meanwhile.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/file_io.h"
#include "dcz/onnx_model.h"

namespace dcz {

struct OnnxModel::Impl {
  onnx::ModelProto model;
  // Every TensorProto of `model` in format order (pointers into `model`), and its description.
  std::vector<onnx::TensorProto*> tensors;
  std::vector<TensorInfo> infos;
  // True for the values and indices of a SparseTensorProto (initializer or attribute): they stay
  // inline when saving, since onnx::checker cannot read sparse indices from external data.
  std::vector<bool> sparse_part;
  // Names the input in error messages ("model.onnx", "<skeleton>").
  std::string source_name;
  // Serializing writers temporarily rearrange tensor storage; this keeps two of them apart.
  mutable std::mutex write_mutex;
};

namespace onnx_internal {

inline std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// "tensor 'conv1.weight' (graph 'If_0/then_branch')": names a tensor in messages.
std::string describe_tensor(const TensorInfo& info);

// Fills impl.tensors and impl.infos (name, site, graph path, dtype, dims, uses) by walking the
// model in format order. Validates data_type, dims and segment; does not look at the data.
Status enumerate_tensors(OnnxModel::Impl& impl);

// Bytes the raw layout of a numeric tensor needs: count × element size, overflow-checked and
// below 2^62. For strings returns 0 (variable).
Result<std::uint64_t> expected_byte_size(const TensorInfo& info);

// Moves a tensor's typed field (float_data, int32_data, ...) into raw_data as little-endian bytes,
// or validates existing raw_data. Sets info.typed_storage. External tensors must be resolved first.
Status normalize_tensor_storage(onnx::TensorProto& t, TensorInfo& info);

// The inverse for one tensor: writes raw_data back into the typed field of its dtype (bit-exact)
// and clears raw_data. The bytes must be valid for the dtype (they are, after normalize).
void raw_to_typed(onnx::TensorProto& t, DType dtype);
// Reverses raw_to_typed: typed field → raw_data, for a tensor known to be valid.
void typed_to_raw_trusted(onnx::TensorProto& t, DType dtype);

// Validates the string layout (u32 LE length + bytes per element) for `count` elements.
Status check_string_layout(std::span<const std::uint8_t> bytes, std::uint64_t count,
                           const TensorInfo& info);

// Reads every EXTERNAL tensor's bytes into raw_data; `dir` empty rejects external tensors.
Status resolve_external_data(OnnxModel::Impl& impl, const std::filesystem::path& dir);

// Parses a serialized ModelProto (bounded, also between 64 MiB and 2 GiB).
Status parse_model_proto(std::span<const std::uint8_t> bytes, std::string_view source_name,
                         onnx::ModelProto& out);

// Serializes with deterministic field order; kModelTooLarge when protobuf refuses (≥ 2 GiB).
Result<std::string> serialize_proto(const google::protobuf::MessageLite& m, std::string_view what);
// The same bytes streamed into `out` in 1 MiB pieces, without a copy of the whole message.
Status write_proto(const google::protobuf::MessageLite& m, OutputFile& out, std::string_view what);

// While alive, every typed-storage tensor of impl holds its values in its typed field (the form
// written to files); the destructor moves them back to raw_data. Caller holds impl.write_mutex.
class TypedFieldsScope {
 public:
  explicit TypedFieldsScope(const OnnxModel::Impl& impl);
  ~TypedFieldsScope();
  TypedFieldsScope(const TypedFieldsScope&) = delete;
  TypedFieldsScope& operator=(const TypedFieldsScope&) = delete;

 private:
  OnnxModel::Impl& impl_;
};

// While alive, every tensor of impl is stripped of its data (raw_data swapped out); the
// destructor puts the data back. Caller holds impl.write_mutex.
class StrippedDataScope {
 public:
  explicit StrippedDataScope(const OnnxModel::Impl& impl);
  ~StrippedDataScope();
  StrippedDataScope(const StrippedDataScope&) = delete;
  StrippedDataScope& operator=(const StrippedDataScope&) = delete;

 private:
  OnnxModel::Impl& impl_;
  std::vector<std::string> saved_;
};

// Serialized skeleton of impl (data stripped); caller holds impl.write_mutex.
Result<std::string> skeleton_bytes_locked(const OnnxModel::Impl& impl);

}  // namespace onnx_internal
}  // namespace dcz
