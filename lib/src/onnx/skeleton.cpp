// Skeletons: the model with every tensor's values removed — what the container's GRPH section
// stores — and the way back to a full model.
#include "onnx/onnx_model_impl.h"

namespace dcz {

using namespace onnx_internal;

namespace {

// A skeleton tensor carries dims and type only; data in it would be ignored, so it is rejected.
Status check_tensor_is_empty(const onnx::TensorProto& t, const TensorInfo& info) {
  const bool has_data = t.has_raw_data() || t.float_data_size() > 0 || t.double_data_size() > 0 ||
                        t.int32_data_size() > 0 || t.int64_data_size() > 0 ||
                        t.uint64_data_size() > 0 || t.string_data_size() > 0 ||
                        t.external_data_size() > 0 ||
                        t.data_location() == onnx::TensorProto::EXTERNAL;
  if (has_data) {
    return make_error(ErrorCode::kBadOnnx,
                      describe_tensor(info) + ": a skeleton tensor must not carry data");
  }
  return Status::ok();
}

}  // namespace

Result<std::string> OnnxModel::serialize_skeleton() const {
  std::lock_guard lock(impl_->write_mutex);
  return skeleton_bytes_locked(*impl_);
}

Result<OnnxModel> OnnxModel::parse_skeleton(std::span<const std::uint8_t> skeleton,
                                            std::string_view source_name) {
  OnnxModel m;
  Impl& impl = *m.impl_;
  impl.source_name = std::string(source_name);
  DCZ_TRY(parse_model_proto(skeleton, source_name, impl.model));
  if (Status s = enumerate_tensors(impl); !s) return std::move(s).with_context(source_name);
  for (std::size_t i = 0; i < impl.tensors.size(); ++i) {
    if (Status s = check_tensor_is_empty(*impl.tensors[i], impl.infos[i]); !s) {
      return std::move(s).with_context(source_name);
    }
    // Present-but-empty raw_data: the in-memory form of every tensor (see onnx_model_impl.h).
    impl.tensors[i]->mutable_raw_data();
    impl.infos[i].typed_storage = impl.infos[i].dtype == DType::kString;
  }
  return m;
}

}  // namespace dcz
