// Loading: bounded protobuf parse, tensor enumeration, external data, typed → raw.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>

#include "dcz/file_io.h"
#include "onnx/onnx_model_impl.h"

namespace dcz {
namespace onnx_internal {

Status parse_model_proto(std::span<const std::uint8_t> bytes, std::string_view source_name,
                         onnx::ModelProto& out) {
  // protobuf cannot parse a message of 2 GiB or more; such models must use external data.
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::kUnsupported,
                      std::string(source_name) + ": ONNX protobuf of " +
                          std::to_string(bytes.size()) + " bytes is over the 2 GiB protobuf limit");
  }
  google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&array);
  // The default limit (64 MiB in older protobufs) would reject valid models.
  coded.SetTotalBytesLimit(INT_MAX);
  if (!out.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return make_error(ErrorCode::kBadOnnx,
                      std::string(source_name) + ": not a valid ONNX ModelProto (protobuf parse "
                                                 "failed near byte " +
                          std::to_string(coded.CurrentPosition()) + ")");
  }
  return Status::ok();
}

}  // namespace onnx_internal

Result<OnnxModel> OnnxModel::load(const std::filesystem::path& path,
                                  const OnnxLoadOptions& options) {
  DCZ_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  std::filesystem::path dir = options.external_data_dir;
  if (dir.empty()) dir = path.has_parent_path() ? path.parent_path() : ".";
  return parse(file.bytes(), dir, file.name());
}

Result<OnnxModel> OnnxModel::parse(std::span<const std::uint8_t> bytes,
                                   const std::filesystem::path& external_data_dir,
                                   std::string_view source_name) {
  OnnxModel m;
  Impl& impl = *m.impl_;
  impl.source_name = std::string(source_name);
  auto with_source = [&](Status s) { return std::move(s).with_context(source_name); };
  DCZ_TRY(onnx_internal::parse_model_proto(bytes, source_name, impl.model));
  if (Status s = onnx_internal::enumerate_tensors(impl); !s) return with_source(std::move(s));
  if (Status s = onnx_internal::resolve_external_data(impl, external_data_dir); !s) {
    return with_source(std::move(s));
  }
  for (std::size_t i = 0; i < impl.tensors.size(); ++i) {
    if (Status s = onnx_internal::normalize_tensor_storage(*impl.tensors[i], impl.infos[i]); !s) {
      return with_source(std::move(s));
    }
  }
  return m;
}

}  // namespace dcz
