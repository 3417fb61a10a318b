// Loading: bounded protobuf parse, tensor enumeration, external data, typed → raw.
#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "dcz/file_io.h"
#include "onnx/onnx_model_impl.h"

namespace dcz {
namespace onnx_internal {

namespace {

// protobuf cannot parse a message of 2 GiB or more; such models must use external data.
Status check_proto_size(std::uint64_t size, std::string_view source_name) {
  if (size <= static_cast<std::uint64_t>(INT_MAX)) return Status::ok();
  return make_error(ErrorCode::kUnsupported,
                    std::string(source_name) + ": ONNX protobuf of " + std::to_string(size) +
                        " bytes is over the 2 GiB protobuf limit");
}

Status parse_from_stream(google::protobuf::io::ZeroCopyInputStream& stream,
                         std::string_view source_name, onnx::ModelProto& out) {
  google::protobuf::io::CodedInputStream coded(&stream);
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

// A regular file is parsed from its descriptor through protobuf's buffered stream rather than
// from a mapping: the mapping's pages would stay resident next to the parsed copy of every
// inline tensor, doubling the peak memory of a load. Returns false in `handled` for other inputs
// ("-", pipes), which go through InputFile.
Status parse_regular_file(const std::filesystem::path& path, onnx::ModelProto& out,
                          bool& handled) {
  handled = false;
  if (path == "-") return Status::ok();
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ok();  // InputFile::open reports it in the usual words
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::ok();
  }
  handled = true;
  Status s = check_proto_size(static_cast<std::uint64_t>(st.st_size), name);
  if (s) {
    google::protobuf::io::FileInputStream stream(fd, 1 << 20);
    s = parse_from_stream(stream, name, out);
    if (s && stream.GetErrno() != 0) {
      s = make_error(ErrorCode::kIo, name + ": cannot read: " + std::strerror(stream.GetErrno()));
    }
  }
  ::close(fd);
  return s;
}

}  // namespace

Status parse_model_proto(std::span<const std::uint8_t> bytes, std::string_view source_name,
                         onnx::ModelProto& out) {
  DCZ_TRY(check_proto_size(bytes.size(), source_name));
  google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
  return parse_from_stream(array, source_name, out);
}

namespace {

// Everything after the protobuf parse: enumeration, external data, typed fields → raw_data.
Status finish_load(OnnxModel::Impl& impl, const std::filesystem::path& external_data_dir) {
  const std::string& source_name = impl.source_name;
  auto with_source = [&](Status s) { return std::move(s).with_context(source_name); };
  if (Status s = enumerate_tensors(impl); !s) return with_source(std::move(s));
  if (Status s = resolve_external_data(impl, external_data_dir); !s) {
    return with_source(std::move(s));
  }
  for (std::size_t i = 0; i < impl.tensors.size(); ++i) {
    if (Status s = normalize_tensor_storage(*impl.tensors[i], impl.infos[i]); !s) {
      return with_source(std::move(s));
    }
  }
  return Status::ok();
}

}  // namespace
}  // namespace onnx_internal

Result<OnnxModel> OnnxModel::load(const std::filesystem::path& path,
                                  const OnnxLoadOptions& options) {
  std::filesystem::path dir = options.external_data_dir;
  if (dir.empty()) dir = path.has_parent_path() ? path.parent_path() : ".";
  OnnxModel m;
  bool handled = false;
  DCZ_TRY(onnx_internal::parse_regular_file(path, m.impl().model, handled));
  if (handled) {
    m.impl().source_name = path.string();
    DCZ_TRY(onnx_internal::finish_load(m.impl(), dir));
    return m;
  }
  DCZ_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  return parse(file.bytes(), dir, file.name());
}

Result<OnnxModel> OnnxModel::parse(std::span<const std::uint8_t> bytes,
                                   const std::filesystem::path& external_data_dir,
                                   std::string_view source_name) {
  OnnxModel m;
  m.impl().source_name = std::string(source_name);
  DCZ_TRY(onnx_internal::parse_model_proto(bytes, source_name, m.impl().model));
  DCZ_TRY(onnx_internal::finish_load(m.impl(), external_data_dir));
  return m;
}

}  // namespace dcz
