// select_weights over an OnnxModel. Separate from selection.cpp so that the pure selection logic
// links without the ONNX adapter.
#include <set>
#include <vector>

#include "dcz/onnx_model.h"
#include "dcz/selection.h"

namespace dcz {

Result<std::vector<SelectedWeight>> select_weights(const OnnxModel& model,
                                                   const WeightSelection& selection) {
  std::vector<TensorInfo> tensors;  // metadata only: names, dims, uses
  tensors.reserve(model.tensor_count());
  for (std::size_t i = 0; i < model.tensor_count(); ++i) tensors.push_back(model.tensor(i));
  return select_weights(std::span<const TensorInfo>(tensors), selection);
}

Status check_selected_weights(const OnnxModel& model, std::span<const SelectedWeight> selected,
                              std::string_view stage) {
  std::set<std::size_t> seen;
  for (const SelectedWeight& w : selected) {
    if (w.tensor_index >= model.tensor_count() || !seen.insert(w.tensor_index).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        "selected weight '" + w.name + "' has a bad or repeated tensor index");
    }
    const TensorInfo& info = model.tensor(w.tensor_index);
    if (!dtype_is_float(info.dtype)) {
      return make_error(ErrorCode::kUnsupported, "weight '" + w.name + "' has type " +
                                                     std::string(dtype_name(info.dtype)) +
                                                     "; only float types can be " + std::string(stage));
    }
    const std::uint64_t bytes = model.tensor_bytes(w.tensor_index).size();
    if (bytes != info.element_count() * dtype_size(info.dtype)) {
      return make_error(ErrorCode::kBadOnnx, "weight '" + w.name + "' holds " +
                                                 std::to_string(bytes) + " bytes for " +
                                                 std::to_string(info.element_count()) + " elements");
    }
  }
  return Status::ok();
}

}  // namespace dcz
