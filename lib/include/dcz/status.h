// The one error type of dcz: every fallible function returns Status or Result<T>, and both are
// [[nodiscard]] so an ignored error is a compiler warning (an error with -Werror).
//
// Error codes are a pinned enum: their numeric values are part of the public API, appear in
// `--json` output and in the golden-file tables, and MUST NOT be renumbered. Add new codes at the
// end of their block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dcz {

enum class ErrorCode : std::uint16_t {
  kOk = 0,

  // Usage and environment (1xx).
  kInvalidArgument = 100,   // an option or API argument is out of range or inconsistent
  kIo = 101,                // a file could not be opened, read, written or renamed
  kUnsupported = 102,       // valid input that this build cannot handle (op, dtype, feature)
  kNothingToDo = 103,       // e.g. a selection that matches no tensor
  kOutOfMemory = 104,       // an allocation the input asked for is above the configured limit

  // Container structure (2xx): the .dcz file is malformed. Each names a spec rule.
  kBadMagic = 200,
  kUnsupportedVersion = 201,
  kReservedBitSet = 202,
  kTruncated = 203,          // the file ends inside a structure
  kBadChecksum = 204,
  kBadSize = 205,            // a count, length or size is out of range or inconsistent
  kBadOffset = 206,          // an offset points outside its section or overlaps
  kBadAlignment = 207,
  kBadSection = 208,         // missing, duplicated or misordered required section
  kBadTensorEntry = 209,     // a tensor-table entry is inconsistent (dtype, rank, dims...)
  kBadPadding = 210,         // a padding byte that MUST be zero is not
  kBadByteOrder = 211,
  kTrailingBytes = 212,      // bytes after the last structure

  // Stream payloads (3xx): a tensor's coded data is malformed.
  kBadCompressedData = 300,  // zstd frame is corrupt or decodes to the wrong size
  kBadHuffmanTable = 301,    // over-subscribed / incomplete code, length over the limit
  kBadSymbol = 302,          // a decoded symbol is outside its alphabet (index past codebook)
  kBadPositions = 303,       // gap / position stream runs past the tensor or is inconsistent
  kStreamEndedEarly = 304,
  kStreamTrailingData = 305,
  kBadCodebook = 306,

  // ONNX adapter (4xx).
  kBadOnnx = 400,            // the protobuf does not parse or the model is structurally invalid
  kBadExternalData = 401,    // external-data location is absolute, escapes the folder, or is short
  kOnnxCheckFailed = 402,    // onnx::checker rejected the model
  kModelTooLarge = 403,      // a protobuf over 2 GiB was asked to be written inline

  // Datasets and evaluation (5xx).
  kBadDataset = 500,
  kShapeMismatch = 501,
  kEngineFailed = 502,       // the inference engine could not import or run a model
};

// Stable lowercase name of a code, e.g. "bad_checksum". Used in messages and --json.
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "bad_checksum: section 'DATA' at byte 4096: ..." — for humans.
  std::string to_string() const;

  // Prefixes context ("file.dcz: ") to the message; keeps the code.
  Status with_context(std::string_view context) &&;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Builds an error Status; the message should name the file, tensor, field or byte offset.
inline Status make_error(ErrorCode code, std::string message) {
  return Status(code, std::move(message));
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                    // NOLINT: implicit on purpose
  Result(Status error) : v_(std::move(error)) {}               // NOLINT: must not be ok
  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; Status::ok() when this holds a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }
  Status take_status() && { return is_ok() ? Status::ok() : std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dcz

// Propagates an error Status from an expression returning Status.
#define DCZ_TRY(expr)                         \
  do {                                        \
    ::dcz::Status dcz_try_status_ = (expr);   \
    if (!dcz_try_status_.is_ok()) return dcz_try_status_; \
  } while (0)

#define DCZ_CONCAT_INNER(a, b) a##b
#define DCZ_CONCAT(a, b) DCZ_CONCAT_INNER(a, b)
// DCZ_ASSIGN_OR_RETURN(auto x, f()); declares x from a Result or returns its error.
#define DCZ_ASSIGN_OR_RETURN(decl, expr) \
  DCZ_ASSIGN_OR_RETURN_IMPL(DCZ_CONCAT(dcz_result_, __LINE__), decl, expr)
#define DCZ_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return std::move(tmp).take_status(); \
  decl = std::move(tmp).value()
