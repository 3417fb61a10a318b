// Writing models: inline serialization, atomic save with optional external data, checker.
#include <onnx/checker.h>

#include <algorithm>
#include <climits>
#include <exception>

#include "dcz/file_io.h"
#include "onnx/onnx_model_impl.h"

namespace dcz {
namespace onnx_internal {
namespace {

// Offsets in the external-data file: 64-byte aligned, page-aligned for big tensors so that a
// reader can map them.
constexpr std::uint64_t kExternalAlign = 64;
constexpr std::uint64_t kExternalPageAlign = 4096;
constexpr std::uint64_t kExternalBigTensor = std::uint64_t{1} << 20;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

// A skeleton that was never filled, or a model whose tensor sizes were broken through impl(),
// must not be written as if it were valid.
Status check_all_filled(const OnnxModel::Impl& impl) {
  for (std::size_t i = 0; i < impl.tensors.size(); ++i) {
    const TensorInfo& info = impl.infos[i];
    const std::string& raw = impl.tensors[i]->raw_data();
    if (info.dtype == DType::kString) {
      if (Status s = check_string_layout(as_bytes(raw), info.element_count(), info); !s) {
        return make_error(ErrorCode::kInvalidArgument, s.message());
      }
      continue;
    }
    DCZ_ASSIGN_OR_RETURN(const std::uint64_t need, expected_byte_size(info));
    if (raw.size() != need) {
      return make_error(ErrorCode::kInvalidArgument,
                        describe_tensor(info) + ": holds " + std::to_string(raw.size()) +
                            " bytes, dtype and dims need " + std::to_string(need) +
                            " (a skeleton tensor that was never filled?)");
    }
  }
  return Status::ok();
}

Status run_checker(const onnx::ModelProto& model, std::string_view name) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kOnnxCheckFailed, std::string(name) + ": " + e.what());
  }
  return Status::ok();
}

// While alive, the tensors chosen for external data carry data_location/external_data instead
// of raw_data; their bytes are already in the data file. The destructor restores raw_data.
class ExternalScope {
 public:
  explicit ExternalScope(const OnnxModel::Impl& impl)
      : impl_(const_cast<OnnxModel::Impl&>(impl)) {}
  ~ExternalScope() {
    for (auto& [index, bytes] : moved_) {
      onnx::TensorProto& t = *impl_.tensors[index];
      t.clear_external_data();
      t.clear_data_location();
      t.mutable_raw_data()->swap(bytes);
    }
  }
  ExternalScope(const ExternalScope&) = delete;
  ExternalScope& operator=(const ExternalScope&) = delete;

  // Writes tensors of at least `threshold` bytes to `data` and points them at `location`. Typed
  // tensors keep their field so a round trip stays exact; sparse parts stay inline (see Impl).
  Status externalize(OutputFile& data, const std::string& location, std::uint64_t threshold) {
    static const char kZeros[kExternalPageAlign] = {};
    for (std::size_t i = 0; i < impl_.tensors.size(); ++i) {
      const TensorInfo& info = impl_.infos[i];
      onnx::TensorProto& t = *impl_.tensors[i];
      const std::uint64_t size = t.raw_data().size();
      if (info.typed_storage || impl_.sparse_part[i] || size == 0 || size < threshold) continue;
      const std::uint64_t align = size >= kExternalBigTensor ? kExternalPageAlign : kExternalAlign;
      const std::uint64_t offset = align_up(data.size(), align);
      DCZ_TRY(data.write(std::string_view(kZeros, offset - data.size())));
      DCZ_TRY(data.write(t.raw_data()));
      moved_.emplace_back(i, std::string());
      moved_.back().second.swap(*t.mutable_raw_data());
      t.clear_raw_data();
      t.set_data_location(onnx::TensorProto::EXTERNAL);
      add_entry(t, "location", location);
      add_entry(t, "offset", std::to_string(offset));
      add_entry(t, "length", std::to_string(size));
    }
    return Status::ok();
  }

  bool empty() const { return moved_.empty(); }

 private:
  static void add_entry(onnx::TensorProto& t, const std::string& key, const std::string& value) {
    auto* e = t.add_external_data();
    e->set_key(key);
    e->set_value(value);
  }

  OnnxModel::Impl& impl_;
  std::vector<std::pair<std::size_t, std::string>> moved_;
};

}  // namespace
}  // namespace onnx_internal

using namespace onnx_internal;

Result<std::string> OnnxModel::serialize() const {
  std::lock_guard lock(impl_->write_mutex);
  DCZ_TRY(check_all_filled(*impl_));
  TypedFieldsScope typed(*impl_);
  return serialize_proto(impl_->model, impl_->source_name);
}

Status OnnxModel::check() const {
  std::lock_guard lock(impl_->write_mutex);
  DCZ_TRY(check_all_filled(*impl_));
  TypedFieldsScope typed(*impl_);
  return run_checker(impl_->model, impl_->source_name);
}

Status OnnxModel::save(const std::filesystem::path& path, const OnnxSaveOptions& options) const {
  std::lock_guard lock(impl_->write_mutex);
  const std::string name = path.string();
  DCZ_TRY(check_all_filled(*impl_));
  TypedFieldsScope typed(*impl_);
  if (options.check) DCZ_TRY(run_checker(impl_->model, name));
  const std::uint64_t inline_limit = std::min<std::uint64_t>(options.inline_limit, INT_MAX);
  const bool external = options.external_data || impl_->model.ByteSizeLong() > inline_limit;

  const std::string data_name = path.filename().string() + ".data";
  std::optional<OutputFile> data_file;
  ExternalScope moved(*impl_);
  if (external) {
    DCZ_ASSIGN_OR_RETURN(OutputFile f, OutputFile::create(path.parent_path() / data_name, {}));
    data_file.emplace(std::move(f));
    DCZ_TRY(moved.externalize(*data_file, data_name, options.external_threshold));
  }
  DCZ_ASSIGN_OR_RETURN(OutputFile out, OutputFile::create(path, {}));
  DCZ_TRY(write_proto(impl_->model, out, name));
  // The data file goes in place first: a model file never points at data that is not there.
  if (data_file && !moved.empty()) DCZ_TRY(data_file->commit());
  return out.commit();
}

}  // namespace dcz
