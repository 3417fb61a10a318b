// External data on load: TensorProto.data_location == EXTERNAL with external_data entries
// "location" (a path relative to the model's folder), "offset" and "length" (decimal byte
// counts; length absent = to the end of the file). "checksum" and unknown keys are ignored.
// The bytes are read (pread) straight into raw_data so the model no longer depends on the file,
// and the file is never mapped: a mapping's resident pages would count as a second copy of
// every tensor in the process's memory until the load returns.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "onnx/onnx_model_impl.h"

namespace dcz::onnx_internal {
namespace {

struct ExternalRef {
  std::string location;
  std::uint64_t offset = 0;
  bool has_length = false;
  std::uint64_t length = 0;
};

Status external_error(const TensorInfo& info, const std::string& location,
                      const std::string& what) {
  return make_error(ErrorCode::kBadExternalData,
                    describe_tensor(info) + ": external data '" + location + "': " + what);
}

// Strict decimal: digits only, no sign, no overflow past 2^62.
bool parse_decimal(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > (std::uint64_t{1} << 62)) return false;
  out = v;
  return true;
}

Result<ExternalRef> parse_external_entries(const onnx::TensorProto& t, const TensorInfo& info) {
  ExternalRef ref;
  bool has_location = false;
  for (const auto& e : t.external_data()) {
    if (e.key() == "location") {
      ref.location = e.value();
      has_location = true;
    } else if (e.key() == "offset" || e.key() == "length") {
      std::uint64_t v = 0;
      if (!parse_decimal(e.value(), v)) {
        return external_error(info, ref.location,
                              e.key() + " '" + e.value() + "' is not a byte count");
      }
      if (e.key() == "offset") {
        ref.offset = v;
      } else {
        ref.length = v;
        ref.has_length = true;
      }
    }
  }
  if (!has_location || ref.location.empty()) {
    return external_error(info, ref.location, "no 'location' entry");
  }
  return ref;
}

// Only plain relative paths inside the model's folder are followed.
Status check_location(const std::string& location, const TensorInfo& info) {
  const std::filesystem::path p(location);
  if (location.find('\0') != std::string::npos) {
    return external_error(info, location, "location contains a NUL byte");
  }
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) {
    return external_error(info, location, "absolute locations are not allowed");
  }
  for (const auto& part : p) {
    if (part == "..") return external_error(info, location, "'..' components are not allowed");
  }
  return Status::ok();
}

// A symbolic link inside the folder may still point out of it: compare resolved paths.
bool resolves_inside(const std::filesystem::path& dir, const std::filesystem::path& file) {
  std::error_code ec1, ec2;
  const auto base = std::filesystem::canonical(dir, ec1);
  const auto target = std::filesystem::canonical(file, ec2);
  if (ec1 || ec2) return false;
  auto [b, t] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
  return b == base.end() && t != target.end();
}

class ExternalReader {
 public:
  explicit ExternalReader(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~ExternalReader() {
    for (const auto& [location, f] : files_) ::close(f.fd);
  }
  ExternalReader(const ExternalReader&) = delete;
  ExternalReader& operator=(const ExternalReader&) = delete;

  Status read(onnx::TensorProto& t, const TensorInfo& info) {
    if (info.dtype == DType::kString) {
      return make_error(ErrorCode::kBadExternalData,
                        describe_tensor(info) + ": string tensors cannot use external data");
    }
    if (t.has_raw_data()) {
      return make_error(ErrorCode::kBadOnnx,
                        describe_tensor(info) + ": external tensor also has raw_data");
    }
    DCZ_ASSIGN_OR_RETURN(ExternalRef ref, parse_external_entries(t, info));
    if (dir_.empty()) {
      return external_error(info, ref.location,
                            "external data is not allowed here (no folder to resolve it in)");
    }
    DCZ_TRY(check_location(ref.location, info));
    DCZ_ASSIGN_OR_RETURN(const DataFile* file, open(ref.location, info));
    if (ref.offset > file->size) {
      return external_error(info, ref.location,
                            "offset " + std::to_string(ref.offset) + " is past the end of the " +
                                std::to_string(file->size) + "-byte file");
    }
    const std::uint64_t length = ref.has_length ? ref.length : file->size - ref.offset;
    if (length > file->size - ref.offset) {
      return external_error(info, ref.location,
                            "offset " + std::to_string(ref.offset) + " + length " +
                                std::to_string(length) + " is past the end of the " +
                                std::to_string(file->size) + "-byte file");
    }
    DCZ_ASSIGN_OR_RETURN(const std::uint64_t need, expected_byte_size(info));
    if (length != need) {
      return external_error(info, ref.location,
                            "length " + std::to_string(length) + " but dtype and dims need " +
                                std::to_string(need) + " bytes");
    }
    std::string& raw = *t.mutable_raw_data();
    raw.resize(static_cast<std::size_t>(length));
    DCZ_TRY(read_exactly(*file, ref.offset, raw, info, ref.location));
    t.clear_external_data();
    t.clear_data_location();
    return Status::ok();
  }

 private:
  struct DataFile {
    int fd = -1;
    std::uint64_t size = 0;  // at open; a file that shrinks later fails read_exactly
  };

  // Fills `out` from `offset`; a file cut short after it was opened is an error, not zeros.
  static Status read_exactly(const DataFile& file, std::uint64_t offset, std::string& out,
                             const TensorInfo& info, const std::string& location) {
    std::size_t done = 0;
    while (done < out.size()) {
      const std::size_t want = std::min<std::size_t>(out.size() - done, std::size_t{1} << 30);
      const ssize_t got = ::pread(file.fd, out.data() + done, want,
                                  static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        return external_error(info, location,
                              std::string("read failed at byte ") +
                                  std::to_string(offset + done) + ": " + std::strerror(errno));
      }
      if (got == 0) {
        return external_error(info, location,
                              "file ended at byte " + std::to_string(offset + done) +
                                  " while reading " + std::to_string(out.size()) + " bytes");
      }
      done += static_cast<std::size_t>(got);
    }
    return Status::ok();
  }

  Result<const DataFile*> open(const std::string& location, const TensorInfo& info) {
    auto it = files_.find(location);
    if (it == files_.end()) {
      const std::filesystem::path full = dir_ / location;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(full, ec)) {
        return external_error(info, location, "no such file (" + full.string() + ")");
      }
      if (!resolves_inside(dir_, full)) {
        return external_error(info, location, "resolves to a file outside " + dir_.string());
      }
      DataFile f;
      f.fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const std::string why = f.fd < 0 ? std::strerror(errno) : "not a regular file";
        if (f.fd >= 0) ::close(f.fd);
        return external_error(info, location, "cannot open " + full.string() + ": " + why);
      }
      f.size = static_cast<std::uint64_t>(st.st_size);
      it = files_.emplace(location, f).first;
    }
    return &it->second;
  }
  std::filesystem::path dir_;
  std::map<std::string, DataFile> files_;  // one descriptor per file, shared by its tensors
};

}  // namespace

Status resolve_external_data(OnnxModel::Impl& impl, const std::filesystem::path& dir) {
  ExternalReader reader(dir);
  for (std::size_t i = 0; i < impl.tensors.size(); ++i) {
    onnx::TensorProto& t = *impl.tensors[i];
    if (t.data_location() != onnx::TensorProto::EXTERNAL) {
      if (t.external_data_size() > 0) {
        return make_error(ErrorCode::kBadOnnx, describe_tensor(impl.infos[i]) +
                                                   ": external_data entries without "
                                                   "data_location EXTERNAL");
      }
      continue;
    }
    DCZ_TRY(reader.read(t, impl.infos[i]));
    impl.infos[i].was_external = true;
  }
  return Status::ok();
}

}  // namespace dcz::onnx_internal
