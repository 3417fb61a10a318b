// The links of dead-unit elimination (dcz/dead_units.h): which selected layer's output channels
// reach which layer's input columns. Reading the graph is the ONNX-specific half; the zeroing in
// dead_units.cpp works on these index maps and the tensors' bytes only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dcz/selection.h"
#include "dcz/status.h"

namespace dcz {
class OnnxModel;
}

namespace dcz::dead_units {

// A weight seen as outputs × inputs × inner (inner: a Conv's kernel elements, else 1).
// out_major: element (o, i, k) at (o · inputs + i) · inner + k (Conv, Gemm transB=1); otherwise
// at i · outputs + o (Gemm transB=0, MatMul).
struct Layer {
  std::size_t selected = 0;  // index into the selection
  std::size_t weight = 0;    // OnnxModel tensor index
  std::string node;
  std::string op_type;
  std::uint64_t outputs = 0;
  std::uint64_t inputs = 0;
  std::uint64_t inner = 1;
  bool out_major = true;
  // False for Gemm with transA, whose runtime input holds the columns along axis 0.
  bool can_consume = true;
  // The per-channel bias when it is an initializer of this node alone (zeroed with dead channels).
  std::optional<std::size_t> bias;
  // A bias input that is not `bias` (shared, broadcast, computed): never provably zero, not changed.
  bool bias_opaque = false;
};

// Channel c of `producer` feeds exactly input columns c·span … c·span+span−1 of `consumer`.
// keeps_zero: every node between maps 0 to 0, so a constant-zero channel stays zero there.
struct Link {
  std::size_t producer = 0;  // into Graph::layers
  std::size_t consumer = 0;
  std::uint64_t span = 1;
  bool keeps_zero = true;
};

struct Graph {
  std::vector<Layer> layers;  // one per usable selected weight, in selection order
  std::vector<Link> links;    // in the producers' node order (topological)
};

// The layers and links of the main graph for `selected` (already checked against the model).
Graph find_links(const OnnxModel& model, const std::vector<SelectedWeight>& selected);

}  // namespace dcz::dead_units
