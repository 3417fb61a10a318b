// Input and output helpers of dcz-compress, shared by its two modes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "dcz/onnx_model.h"
#include "dcz/status.h"

namespace dcz::compress {

// The input model: a file, or "-" for stdin.
Result<OnnxModel> load_input_model(const std::string& input);

// The input file's size for the "original" column (0 for stdin or when unknown).
std::uint64_t input_file_size(const std::string& input);

// Writes a text report (--json) atomically to `path` ("-": stdout); never onto `input`.
Status write_text_file(const std::string& path, const std::string& text, const std::string& input);

}  // namespace dcz::compress
