// The input and output of a serialized ONNX model, read straight from the protobuf wire format.
// OpenCV's importer does not report input types (it happily runs an int64-input model on floats),
// and the adapter's OnnxModel lists tensors, not graph inputs; this bounded reader fills the gap
// without pulling the protobuf classes into dcz_eval.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/eval.h"

namespace dcz::eval {

// Reads ModelProto.graph (field 7): its inputs (GraphProto.input = 11, minus the names of
// initializers = 5) and the first output (GraphProto.output = 12). Malformed wire data is kBadOnnx;
// no runtime input, or more than one, is kUnsupported.
Result<ModelSignature> read_model_signature(std::span<const std::uint8_t> onnx, std::string_view name);

}  // namespace dcz::eval
