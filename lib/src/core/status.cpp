#include "dcz/status.h"

namespace dcz {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kNothingToDo: return "nothing_to_do";
    case ErrorCode::kOutOfMemory: return "out_of_memory";
    case ErrorCode::kBadMagic: return "bad_magic";
    case ErrorCode::kUnsupportedVersion: return "unsupported_version";
    case ErrorCode::kReservedBitSet: return "reserved_bit_set";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kBadChecksum: return "bad_checksum";
    case ErrorCode::kBadSize: return "bad_size";
    case ErrorCode::kBadOffset: return "bad_offset";
    case ErrorCode::kBadAlignment: return "bad_alignment";
    case ErrorCode::kBadSection: return "bad_section";
    case ErrorCode::kBadTensorEntry: return "bad_tensor_entry";
    case ErrorCode::kBadPadding: return "bad_padding";
    case ErrorCode::kBadByteOrder: return "bad_byte_order";
    case ErrorCode::kTrailingBytes: return "trailing_bytes";
    case ErrorCode::kBadCompressedData: return "bad_compressed_data";
    case ErrorCode::kBadHuffmanTable: return "bad_huffman_table";
    case ErrorCode::kBadSymbol: return "bad_symbol";
    case ErrorCode::kBadPositions: return "bad_positions";
    case ErrorCode::kStreamEndedEarly: return "stream_ended_early";
    case ErrorCode::kStreamTrailingData: return "stream_trailing_data";
    case ErrorCode::kBadCodebook: return "bad_codebook";
    case ErrorCode::kBadOnnx: return "bad_onnx";
    case ErrorCode::kBadExternalData: return "bad_external_data";
    case ErrorCode::kOnnxCheckFailed: return "onnx_check_failed";
    case ErrorCode::kModelTooLarge: return "model_too_large";
    case ErrorCode::kBadDataset: return "bad_dataset";
    case ErrorCode::kShapeMismatch: return "shape_mismatch";
    case ErrorCode::kEngineFailed: return "engine_failed";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string s(error_code_name(code_));
  s += ": ";
  s += message_;
  return s;
}

Status Status::with_context(std::string_view context) && {
  if (is_ok()) return std::move(*this);
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

}  // namespace dcz
