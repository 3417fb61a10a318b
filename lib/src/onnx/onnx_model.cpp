// OnnxModel: ownership, tensor access and in-place updates. Loading, saving, skeletons and
// comparison live in the other files of this folder.
#include <new>
#include <stdexcept>

#include "onnx/onnx_model_impl.h"

namespace dcz {

using onnx_internal::describe_tensor;

std::uint64_t TensorInfo::element_count() const {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::uint64_t>(d);
  return n;
}

OnnxModel::OnnxModel() : impl_(std::make_unique<Impl>()) {}
OnnxModel::~OnnxModel() = default;
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;

std::size_t OnnxModel::tensor_count() const { return impl_->tensors.size(); }

const TensorInfo& OnnxModel::tensor(std::size_t i) const { return impl_->infos.at(i); }

std::span<const std::uint8_t> OnnxModel::tensor_bytes(std::size_t i) const {
  return onnx_internal::as_bytes(impl_->tensors.at(i)->raw_data());
}

std::span<std::uint8_t> OnnxModel::mutable_tensor_bytes(std::size_t i) {
  // Strings are variable-length: they change only through set_tensor_bytes.
  if (impl_->infos.at(i).dtype == DType::kString) return {};
  std::string& raw = *impl_->tensors[i]->mutable_raw_data();
  return {reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()};
}

namespace {

Status check_tensor_size(const TensorInfo& info, std::span<const std::uint8_t> bytes) {
  if (info.dtype == DType::kString) {
    return onnx_internal::check_string_layout(bytes, info.element_count(), info);
  }
  auto need = onnx_internal::expected_byte_size(info);
  if (!need) return need.status();
  if (bytes.size() != *need) {
    return make_error(ErrorCode::kBadSize, describe_tensor(info) + ": " +
                                               std::to_string(bytes.size()) +
                                               " bytes given, dtype and dims need " +
                                               std::to_string(*need));
  }
  return Status::ok();
}

}  // namespace

Status OnnxModel::set_tensor_bytes(std::size_t i, std::span<const std::uint8_t> bytes) {
  if (i >= impl_->tensors.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor index " + std::to_string(i) + " is out of range");
  }
  DCZ_TRY(check_tensor_size(impl_->infos[i], bytes));
  try {
    impl_->tensors[i]->mutable_raw_data()->assign(reinterpret_cast<const char*>(bytes.data()),
                                                  bytes.size());
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::kOutOfMemory,
                      describe_tensor(impl_->infos[i]) + ": cannot allocate " +
                          std::to_string(bytes.size()) + " bytes");
  }
  return Status::ok();
}

Result<std::span<std::uint8_t>> OnnxModel::allocate_tensor(std::size_t i, std::uint64_t size) {
  if (i >= impl_->tensors.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor index " + std::to_string(i) + " is out of range");
  }
  const TensorInfo& info = impl_->infos[i];
  if (info.dtype == DType::kString) {
    return make_error(ErrorCode::kInvalidArgument,
                      describe_tensor(info) + ": string tensors are set with set_tensor_bytes");
  }
  DCZ_ASSIGN_OR_RETURN(const std::uint64_t need, onnx_internal::expected_byte_size(info));
  if (size != need) {
    return make_error(ErrorCode::kBadSize, describe_tensor(info) + ": " + std::to_string(size) +
                                               " bytes requested, dtype and dims need " +
                                               std::to_string(need));
  }
  std::string& raw = *impl_->tensors[i]->mutable_raw_data();
  try {
    raw.resize(static_cast<std::size_t>(size));
  } catch (const std::exception&) {  // bad_alloc or length_error for absurd sizes
    return make_error(ErrorCode::kOutOfMemory, describe_tensor(info) + ": cannot allocate " +
                                                   std::to_string(size) + " bytes");
  }
  return std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
}

void OnnxModel::set_typed_storage(std::size_t i, bool typed) {
  TensorInfo& info = impl_->infos.at(i);
  // ONNX keeps strings only in string_data.
  info.typed_storage = typed || info.dtype == DType::kString;
}

}  // namespace dcz
