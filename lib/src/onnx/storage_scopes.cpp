// Temporary rearrangements of tensor storage for writers, and deterministic serialization.
// The scopes take the Impl as const because the writers are logically const: every change is
// undone by the destructor, and the caller holds Impl::write_mutex meanwhile.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>

#include "onnx/onnx_model_impl.h"

namespace dcz::onnx_internal {

Result<std::string> serialize_proto(const google::protobuf::MessageLite& m,
                                    std::string_view what) {
  const std::size_t size = m.ByteSizeLong();
  if (size > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::kModelTooLarge,
                      std::string(what) + ": " + std::to_string(size) +
                          " bytes is over the 2 GiB protobuf limit; use external data");
  }
  std::string out;
  out.reserve(size);
  bool ok = false;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ok = m.SerializeToCodedStream(&coded) && !coded.HadError();
  }
  if (!ok || out.size() != size) {
    return make_error(ErrorCode::kModelTooLarge,
                      std::string(what) + ": protobuf serialization failed");
  }
  return out;
}

namespace {

// Feeds protobuf's output into an OutputFile, keeping the first write error.
class OutputFileSink final : public google::protobuf::io::CopyingOutputStream {
 public:
  explicit OutputFileSink(OutputFile& out) : out_(out) {}
  bool Write(const void* buffer, int size) override {
    status_ = out_.write({static_cast<const std::uint8_t*>(buffer), static_cast<std::size_t>(size)});
    return status_.is_ok();
  }
  Status status() const { return status_; }

 private:
  OutputFile& out_;
  Status status_;
};

}  // namespace

Status write_proto(const google::protobuf::MessageLite& m, OutputFile& out, std::string_view what) {
  const std::size_t size = m.ByteSizeLong();
  if (size > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::kModelTooLarge,
                      std::string(what) + ": " + std::to_string(size) +
                          " bytes is over the 2 GiB protobuf limit; use external data");
  }
  const std::uint64_t start = out.size();
  OutputFileSink sink(out);
  bool ok = false;
  {
    google::protobuf::io::CopyingOutputStreamAdaptor adaptor(&sink, 1 << 20);
    {
      google::protobuf::io::CodedOutputStream coded(&adaptor);
      coded.SetSerializationDeterministic(true);
      ok = m.SerializeToCodedStream(&coded) && !coded.HadError();
    }
    ok = adaptor.Flush() && ok;
  }
  DCZ_TRY(sink.status());
  if (!ok || out.size() - start != size) {
    return make_error(ErrorCode::kModelTooLarge,
                      std::string(what) + ": protobuf serialization failed");
  }
  return Status::ok();
}

TypedFieldsScope::TypedFieldsScope(const OnnxModel::Impl& impl)
    : impl_(const_cast<OnnxModel::Impl&>(impl)) {
  for (std::size_t i = 0; i < impl_.tensors.size(); ++i) {
    if (impl_.infos[i].typed_storage) raw_to_typed(*impl_.tensors[i], impl_.infos[i].dtype);
  }
}

TypedFieldsScope::~TypedFieldsScope() {
  for (std::size_t i = 0; i < impl_.tensors.size(); ++i) {
    if (impl_.infos[i].typed_storage) {
      typed_to_raw_trusted(*impl_.tensors[i], impl_.infos[i].dtype);
    }
  }
}

StrippedDataScope::StrippedDataScope(const OnnxModel::Impl& impl)
    : impl_(const_cast<OnnxModel::Impl&>(impl)), saved_(impl.tensors.size()) {
  for (std::size_t i = 0; i < impl_.tensors.size(); ++i) {
    onnx::TensorProto& t = *impl_.tensors[i];
    saved_[i].swap(*t.mutable_raw_data());  // no copy of the values
    t.clear_raw_data();
  }
}

StrippedDataScope::~StrippedDataScope() {
  for (std::size_t i = 0; i < impl_.tensors.size(); ++i) {
    impl_.tensors[i]->mutable_raw_data()->swap(saved_[i]);
  }
}

Result<std::string> skeleton_bytes_locked(const OnnxModel::Impl& impl) {
  StrippedDataScope stripped(impl);
  return serialize_proto(impl.model, impl.source_name + " (skeleton)");
}

}  // namespace dcz::onnx_internal
