// select_weights over an OnnxModel. Separate from selection.cpp so that the pure selection logic
// links without the ONNX adapter.
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

}  // namespace dcz
