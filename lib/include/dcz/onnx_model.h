// The ONNX adapter: the only part of dcz that knows ONNX. It loads any valid ONNX model, lists
// every tensor it holds in one deterministic order (format/SPEC.md, "Tensor order"), exposes each
// tensor's values as raw little-endian bytes, and writes models back.
//
// This header does not include the protobuf classes; lib/src/onnx/ has them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dcz/dtype.h"
#include "dcz/status.h"

namespace dcz {

// Where a tensor lives in the model.
enum class TensorSite : std::uint8_t {
  kInitializer = 0,     // GraphProto.initializer
  kSparseValues = 1,    // GraphProto.sparse_initializer[i].values
  kSparseIndices = 2,   // GraphProto.sparse_initializer[i].indices
  kNodeAttribute = 3,   // a TENSOR / TENSORS / SPARSE_TENSOR attribute of a node (Constant, ...)
};

// One use of a tensor as an input of a node, for selecting prunable weights.
struct TensorUse {
  std::string op_type;   // "Conv", "Gemm", "MatMul", "LSTM", ...
  std::string node_name;
  int input_index = 0;   // which input of the node the tensor feeds
};

struct TensorInfo {
  // Initializer name; for a Constant node, its output name; for other attributes
  // "<node name>/<attribute name>", with "[<i>]" appended for the i-th tensor of a TENSORS /
  // SPARSE_TENSORS attribute. A sparse tensor's values take the name, its indices
  // "<name>/indices". Not unique in general (subgraphs may repeat names).
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> dims;
  TensorSite site = TensorSite::kInitializer;
  // "" for the main graph, else the path of the subgraph: "<node name>/<attribute name>", nested
  // with '/'; functions are "function:<name>"; training info is "training_info[<i>]/...".
  std::string graph_path;
  // True when the values were stored in a typed field (float_data, int32_data, ...) rather than
  // raw_data. The adapter restores that field when writing, so a round trip is exact.
  bool typed_storage = false;
  // True when the values came from an external-data file.
  bool was_external = false;
  // The nodes that consume this tensor (by name, within its graph; for Constant nodes, consumers
  // of the node's output), in node order, including nodes of nested subgraphs that read the name
  // from the enclosing scope (unless the subgraph defines the name itself). Empty for indices.
  std::vector<TensorUse> uses;

  std::uint64_t element_count() const;
};

struct OnnxLoadOptions {
  // Folder that external-data locations are relative to. Empty: the model file's folder.
  std::filesystem::path external_data_dir;
  // Skeletons (see OnnxModel::parse_skeleton) carry no external data.
};

struct OnnxSaveOptions {
  // Write every tensor of at least `external_threshold` bytes to one external-data file
  // "<model file name>.data" beside the model (offsets 64-byte aligned, 4096 for tensors of
  // 1 MiB and more). Also forced when the inline model would pass 2 GiB. Tensors with
  // typed_storage and the parts of sparse tensors always stay inline (their typed field is kept;
  // onnx::checker cannot read sparse indices from external data).
  bool external_data = false;
  std::uint64_t external_threshold = 1024;
  // Models whose inline serialization would be larger than this many bytes are written with
  // external data as if `external_data` were set. Capped at protobuf's limit, 2 GiB - 1.
  std::uint64_t inline_limit = 2147483647;
  // Run onnx::checker on the model before writing; a failure is kOnnxCheckFailed.
  bool check = false;
};

// Thread safety: const accessors may be used from several threads at once. The writers
// (serialize, save, check, serialize_skeleton, first_difference) briefly move tensor storage
// inside the protobuf and restore it before returning; they exclude each other, but must not run
// while another thread reads tensor_bytes() or changes the same model.
class OnnxModel {
 public:
  OnnxModel();
  ~OnnxModel();
  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;

  // Loads a model file, resolving external data (relative locations only: absolute paths and
  // '..' components are kBadExternalData). Typed fields are converted to raw bytes in memory.
  static Result<OnnxModel> load(const std::filesystem::path& path, const OnnxLoadOptions& = {});
  // Parses serialized ModelProto bytes; external data is resolved against `external_data_dir`
  // (an empty path rejects any external tensor). `source_name` names the input in messages.
  // Errors: kBadOnnx (protobuf, sizes, dims, typed values out of range), kUnsupported (data types
  // newer than ONNX 1.12's, segmented tensors, protobufs over 2 GiB), kBadExternalData.
  static Result<OnnxModel> parse(std::span<const std::uint8_t> bytes,
                                 const std::filesystem::path& external_data_dir,
                                 std::string_view source_name);

  // Writes the model atomically (temporary file + rename; an existing file at `path` is replaced
  // only on success). Inline below 2 GiB unless options ask for external data.
  Status save(const std::filesystem::path& path, const OnnxSaveOptions& = {}) const;
  // The serialized ModelProto with every tensor inline; kModelTooLarge at 2 GiB and above;
  // kInvalidArgument when a tensor of a skeleton was never filled. Deterministic.
  Result<std::string> serialize() const;
  // onnx::checker::check_model on the in-memory model (full check, with shape inference off).
  Status check() const;

  // Every tensor of the model in format order.
  std::size_t tensor_count() const;
  const TensorInfo& tensor(std::size_t i) const;
  // Raw little-endian values (strings: u32 LE length + bytes per element). Valid until the
  // tensor is changed or the model is destroyed.
  std::span<const std::uint8_t> tensor_bytes(std::size_t i) const;
  // Writable view of a numeric tensor's bytes, for in-place pruning and quantization. Empty for
  // string tensors (their size can change: use set_tensor_bytes).
  std::span<std::uint8_t> mutable_tensor_bytes(std::size_t i);
  // Replaces a tensor's values; the size must match dtype × dims (strings: must parse), else
  // kBadSize.
  Status set_tensor_bytes(std::size_t i, std::span<const std::uint8_t> bytes);

  // The model with every tensor's values removed (dims, type, name and all else kept), serialized:
  // what the container's GRPH section stores.
  Result<std::string> serialize_skeleton() const;
  // The inverse: a model whose tensors are empty until set_tensor_bytes / mutable buffers fill
  // them. `typed_storage[i]` says which tensors go back to typed fields.
  static Result<OnnxModel> parse_skeleton(std::span<const std::uint8_t> skeleton,
                                          std::string_view source_name);
  // For a skeleton: allocates tensor i's storage (size bytes, numeric dtypes) and returns it to be
  // filled by a decoder without an extra copy. The storage is zero-filled. Calls for different
  // tensors may run on different threads at once (each touches only its own tensor). kBadSize
  // unless size = dtype × dims; kOutOfMemory when the allocation fails; kInvalidArgument for
  // string tensors.
  Result<std::span<std::uint8_t>> allocate_tensor(std::size_t i, std::uint64_t size);
  // String tensors are always typed (ONNX keeps strings only in string_data).
  void set_typed_storage(std::size_t i, bool typed);

  // Structural equality of two models: graph, metadata, opsets, doc strings and every tensor's
  // bytes (bit patterns, so NaN payloads and -0.0 count). Returns a description of the first
  // difference, or "" when equal.
  std::string first_difference(const OnnxModel& other) const;

  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcz
