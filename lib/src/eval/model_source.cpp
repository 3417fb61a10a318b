// load_eval_model: .onnx through the adapter (external data made inline), .dcz through decode_model.
#include <algorithm>
#include <cstring>

#include "dcz/codec.h"
#include "dcz/eval.h"
#include "dcz/file_io.h"
#include "dcz/format.h"
#include "dcz/onnx_model.h"

namespace dcz {

Result<EvalModel> load_eval_model(const std::filesystem::path& path) {
  EvalModel out;
  out.name = path.string();
  DCZ_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  std::span<const std::uint8_t> bytes = file.bytes();
  bool is_dcz = bytes.size() >= format::kMagic.size() &&
                std::equal(format::kMagic.begin(), format::kMagic.end(), bytes.begin());
  if (is_dcz) {
    DCZ_ASSIGN_OR_RETURN(OnnxModel model, decode_model(bytes, out.name));
    DCZ_ASSIGN_OR_RETURN(out.onnx, model.serialize());
    return out;
  }
  // Parse from the bytes already mapped; external data resolves beside the model file.
  std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  DCZ_ASSIGN_OR_RETURN(OnnxModel model, OnnxModel::parse(bytes, dir, out.name));
  DCZ_ASSIGN_OR_RETURN(out.onnx, model.serialize());
  return out;
}

}  // namespace dcz
