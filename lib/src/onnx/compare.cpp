// Structural equality for the decode round trip: tensor by tensor, then the rest of the model.
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <mutex>

#include "onnx/onnx_model_impl.h"

namespace dcz {

using namespace onnx_internal;

namespace {

std::string dims_string(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(dims[i]);
  }
  s += ']';
  return s;
}

std::string compare_tensor(const TensorInfo& a, std::span<const std::uint8_t> a_bytes,
                           const TensorInfo& b, std::span<const std::uint8_t> b_bytes,
                           std::size_t i) {
  const std::string where = "tensor " + std::to_string(i) + " (" + describe_tensor(a) + "): ";
  if (a.name != b.name) return where + "name differs: '" + a.name + "' vs '" + b.name + "'";
  if (a.graph_path != b.graph_path) return where + "graph path differs: '" + b.graph_path + "'";
  if (a.site != b.site) return where + "site differs";
  if (a.dtype != b.dtype) {
    return where + "dtype differs: " + std::string(dtype_name(a.dtype)) + " vs " +
           std::string(dtype_name(b.dtype));
  }
  if (a.dims != b.dims) return where + "dims differ: " + dims_string(a.dims) + " vs " +
                               dims_string(b.dims);
  if (a.typed_storage != b.typed_storage) return where + "typed_storage differs";
  if (a_bytes.size() != b_bytes.size()) {
    return where + "size differs: " + std::to_string(a_bytes.size()) + " vs " +
           std::to_string(b_bytes.size()) + " bytes";
  }
  auto [pa, pb] = std::mismatch(a_bytes.begin(), a_bytes.end(), b_bytes.begin());
  if (pa != a_bytes.end()) {
    return where + "bytes differ from byte " + std::to_string(pa - a_bytes.begin());
  }
  return "";
}

// Names the first differing field of two skeletons, for humans.
std::string describe_skeleton_difference(const std::string& a, const std::string& b) {
  onnx::ModelProto ma, mb;
  if (!ma.ParseFromString(a) || !mb.ParseFromString(b)) return "model structure differs";
  std::string report;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&report);
  if (differ.Compare(ma, mb)) {
    return "model structure differs in serialized field order or unknown fields";
  }
  constexpr std::size_t kMaxReport = 600;
  if (report.size() > kMaxReport) report = report.substr(0, kMaxReport) + "...";
  return "model structure differs: " + report;
}

}  // namespace

std::string OnnxModel::first_difference(const OnnxModel& other) const {
  if (this == &other) return "";
  std::scoped_lock lock(impl_->write_mutex, other.impl_->write_mutex);
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  if (a.tensors.size() != b.tensors.size()) {
    return "tensor count differs: " + std::to_string(a.tensors.size()) + " vs " +
           std::to_string(b.tensors.size());
  }
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    std::string d = compare_tensor(a.infos[i], as_bytes(a.tensors[i]->raw_data()), b.infos[i],
                                   as_bytes(b.tensors[i]->raw_data()), i);
    if (!d.empty()) return d;
  }
  auto sa = skeleton_bytes_locked(a);
  auto sb = skeleton_bytes_locked(b);
  if (!sa || !sb) return "model structure cannot be serialized";
  if (*sa == *sb) return "";
  return describe_skeleton_difference(*sa, *sb);
}

}  // namespace dcz
