// Loading: bounded protobuf parse, tensor enumeration, external data, typed → raw.
#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>

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

bool read_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const std::uint8_t byte = *p++;
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Serialized ModelProto bytes are parsed piece by piece: each top-level field on its own, and the
// graph (field 7) one of its own fields at a time. Protobuf merges parses of consecutive parts
// of a message exactly as it parses the whole, so the model is the same; what changes is that
// every piece is parsed from a flat array, where protobuf allocates each string at its exact size
// (a buffered stream grows strings over 50 MB by doubling, for a moment holding twice the largest
// tensor), and that the caller learns after each piece how far the input has been consumed and
// can drop a mapped file's pages behind it. Bytes that do not walk as fields go to protobuf in one
// piece, which rejects them as it would have in a whole-message parse. Initializers are walked one
// level deeper still (parse_tensor).
class PieceParser {
 public:
  PieceParser(std::span<const std::uint8_t> bytes, std::string_view name,
              std::function<void(std::size_t)> consumed)
      : base_(bytes.data()), end_(bytes.data() + bytes.size()), name_(name),
        consumed_(std::move(consumed)) {}

  Status parse(onnx::ModelProto& out) {
    for (const std::uint8_t* p = base_; p < end_;) {
      Field f;
      if (!walk(p, end_, f)) return merge(out, p, end_);
      if (f.number == 7 && f.wire == 2) {  // ModelProto.graph
        DCZ_TRY(parse_graph(*out.mutable_graph(), f.payload, f.end));
      } else {
        DCZ_TRY(merge(out, p, f.end));
      }
      p = f.end;
    }
    return Status::ok();
  }

 private:
  struct Field {
    std::uint64_t number = 0;
    unsigned wire = 0;
    const std::uint8_t* payload = nullptr;  // wire type 2
    const std::uint8_t* end = nullptr;
  };

  // The field at p; false when the bytes there are not a well-formed field within [p, end).
  static bool walk(const std::uint8_t* p, const std::uint8_t* end, Field& f) {
    std::uint64_t tag = 0, v = 0;
    if (!read_varint(p, end, tag) || (tag >> 3) == 0) return false;
    f.number = tag >> 3;
    f.wire = static_cast<unsigned>(tag & 7);
    switch (f.wire) {
      case 0:
        if (!read_varint(p, end, v)) return false;
        break;
      case 1:
      case 5: {
        const std::size_t size = f.wire == 1 ? 8 : 4;
        if (static_cast<std::size_t>(end - p) < size) return false;
        p += size;
        break;
      }
      case 2:
        if (!read_varint(p, end, v) || v > static_cast<std::uint64_t>(end - p)) return false;
        f.payload = p;
        p += v;
        break;
      default:  // groups: left to protobuf
        return false;
    }
    f.end = p;
    return true;
  }

  Status parse_graph(onnx::GraphProto& graph, const std::uint8_t* p, const std::uint8_t* end) {
    while (p < end) {
      Field f;
      if (!walk(p, end, f)) return merge(graph, p, end);
      if (f.number == 5 && f.wire == 2) {  // GraphProto.initializer: a new element each time
        DCZ_TRY(parse_tensor(*graph.add_initializer(), f.payload, f.end));
      } else {
        DCZ_TRY(merge(graph, p, f.end));
      }
      p = f.end;
    }
    return Status::ok();
  }

  // An initializer: raw_data (field 9; a singular bytes field, so the last occurrence wins, as
  // in protobuf) is copied here in slices, each released from the caller's mapping once copied,
  // so a big tensor is never resident twice; the other fields go to protobuf.
  Status parse_tensor(onnx::TensorProto& t, const std::uint8_t* p, const std::uint8_t* end) {
    constexpr std::size_t kSlice = std::size_t{16} << 20;
    while (p < end) {
      Field f;
      if (!walk(p, end, f)) return merge(t, p, end);
      if (f.number == 9 && f.wire == 2) {
        std::string& raw = *t.mutable_raw_data();
        const auto size = static_cast<std::size_t>(f.end - f.payload);
        raw.resize(size);
        for (std::size_t at = 0; at < size; at += kSlice) {
          const std::size_t n = std::min(kSlice, size - at);
          std::memcpy(raw.data() + at, f.payload + at, n);
          if (consumed_) consumed_(static_cast<std::size_t>(f.payload + at + n - base_));
        }
      } else {
        DCZ_TRY(merge(t, p, f.end));
      }
      p = f.end;
    }
    return Status::ok();
  }

  Status merge(google::protobuf::MessageLite& m, const std::uint8_t* b, const std::uint8_t* e) {
    google::protobuf::io::CodedInputStream coded(b, static_cast<int>(e - b));
    // The default limit (64 MiB in older protobufs) would reject valid models.
    coded.SetTotalBytesLimit(INT_MAX);
    if (!m.MergePartialFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
      return make_error(ErrorCode::kBadOnnx,
                        std::string(name_) + ": not a valid ONNX ModelProto (protobuf parse "
                                             "failed near byte " +
                            std::to_string((b - base_) + coded.CurrentPosition()) + ")");
    }
    if (consumed_) consumed_(static_cast<std::size_t>(e - base_));
    return Status::ok();
  }

  const std::uint8_t* base_;
  const std::uint8_t* end_;
  std::string_view name_;
  std::function<void(std::size_t)> consumed_;
};

// A regular file is mapped and parsed piece by piece, dropping the pages of each piece once it
// is parsed: otherwise the whole file stays resident next to the parsed copy of every inline
// tensor, doubling the peak memory of a load. Leaves `handled` false for other inputs ("-",
// pipes, empty or unmappable files), which go through InputFile.
Status parse_regular_file(const std::filesystem::path& path, onnx::ModelProto& out,
                          bool& handled) {
  handled = false;
  if (path == "-") return Status::ok();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ok();  // InputFile::open reports it in the usual words
  struct stat st {};
  void* map = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  }
  ::close(fd);
  if (map == MAP_FAILED) return Status::ok();
  const std::size_t length = static_cast<std::size_t>(st.st_size);
  handled = true;
  const std::string name = path.string();
  auto* bytes = static_cast<std::uint8_t*>(map);
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t released = 0;
  auto release = [&](std::size_t upto) {
    const std::size_t until = upto / page * page;
    if (until <= released) return;
    ::madvise(bytes + released, until - released, MADV_DONTNEED);
    released = until;
  };
  Status s = check_proto_size(length, name);
  if (s) s = PieceParser({bytes, length}, name, release).parse(out);
  ::munmap(map, length);
  return s;
}

}  // namespace

Status parse_model_proto(std::span<const std::uint8_t> bytes, std::string_view source_name,
                         onnx::ModelProto& out) {
  DCZ_TRY(check_proto_size(bytes.size(), source_name));
  return PieceParser(bytes, source_name, nullptr).parse(out);
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
