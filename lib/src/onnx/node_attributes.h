// Typed reads of a NodeProto's attributes by name, for the passes that read the graph (rate-aware
// layer description, dead-unit links). A missing attribute, or one of another type, gives the
// caller's fallback: the ONNX default of that attribute.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "onnx/onnx_model_impl.h"

namespace dcz::onnx_attributes {

inline const onnx::AttributeProto* find(const onnx::NodeProto& node, std::string_view name) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

inline std::int64_t get_int(const onnx::NodeProto& node, std::string_view name, std::int64_t fallback) {
  const onnx::AttributeProto* a = find(node, name);
  return a && a->type() == onnx::AttributeProto::INT ? a->i() : fallback;
}

inline std::vector<std::int64_t> get_ints(const onnx::NodeProto& node, std::string_view name,
                                          std::vector<std::int64_t> fallback) {
  const onnx::AttributeProto* a = find(node, name);
  if (!a || a->type() != onnx::AttributeProto::INTS) return fallback;
  return {a->ints().begin(), a->ints().end()};
}

}  // namespace dcz::onnx_attributes
