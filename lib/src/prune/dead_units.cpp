// eliminate_dead_units: the zeroing over the links of dead_units_graph.cpp, swept to a fixpoint.
//
// Why sweeps and not a worklist: zeroing a dead channel of P clears rows of P, which can only leave
// columns of P unread — a question for the link that feeds P, which comes earlier in node order.
// So dead channels are swept in reverse node order and constant-zero channels (which flow the
// other way) in node order; a second round then finds nothing new on every chain the pass makes,
// and each round reads every linked weight a constant number of times: linear in the model.
#include <algorithm>
#include <span>

#include "dcz/dead_units.h"
#include "dcz/onnx_model.h"
#include "prune/dead_units_graph.h"

namespace dcz {
namespace {

using dead_units::Graph;
using dead_units::Layer;
using dead_units::Link;

// A float of any width (little-endian bytes) is zero when every bit but the sign is clear.
inline bool zero_bits(const std::uint8_t* p, std::size_t size) {
  std::uint8_t bits = p[size - 1] & 0x7f;
  for (std::size_t b = 0; b + 1 < size; ++b) bits |= p[b];
  return bits == 0;
}

// The float widths spelled out, so that each test inlines to a few ORs instead of a loop.
bool is_zero(const std::uint8_t* p, std::size_t size) {
  switch (size) {
    case 2: return zero_bits(p, 2);
    case 4: return zero_bits(p, 4);
    case 8: return zero_bits(p, 8);
  }
  return zero_bits(p, size);
}

// Sets the nonzero ones of `count` elements from `first` (every `stride`-th) to +0.0 and returns
// how many there were. Zeros keep their bits (a -0.0 stays), so an unchanged value is an
// unchanged byte.
std::uint64_t clear(std::span<std::uint8_t> bytes, std::size_t size, std::uint64_t first,
                    std::uint64_t count, std::uint64_t stride) {
  std::uint64_t nonzero = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    std::uint8_t* p = bytes.data() + (first + k * stride) * size;
    if (is_zero(p, size)) continue;
    ++nonzero;
    std::fill(p, p + size, std::uint8_t{0});
  }
  return nonzero;
}

std::uint64_t count_nonzero(std::span<const std::uint8_t> bytes, std::size_t size) {
  std::uint64_t n = 0;
  for (std::size_t at = 0; at + size <= bytes.size(); at += size) n += !is_zero(bytes.data() + at, size);
  return n;
}

class Pass {
 public:
  Pass(OnnxModel& model, const Graph& g) : model_(model), g_(g), stats_(g.layers.size()) {
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      dead_.emplace_back(g.layers[l].outputs, 0);
      cleared_.emplace_back(g.layers[l].inputs, 0);
    }
  }

  // Zeroes the channels of the producer that the consumer's weights never read.
  bool kill_dead_channels(const Link& link) {
    const Layer& p = g_.layers[link.producer];
    const std::vector<char> read = live_inputs(g_.layers[link.consumer]);
    bool changed = false;
    for (std::uint64_t c = 0; c < p.outputs; ++c) {
      if (dead_[link.producer][c]) continue;
      const auto first = read.begin() + static_cast<std::ptrdiff_t>(c * link.span);
      if (std::any_of(first, first + static_cast<std::ptrdiff_t>(link.span), [](char x) { return x != 0; })) continue;
      dead_[link.producer][c] = 1;
      DeadUnitLayer& s = stats_[link.producer];
      const std::uint64_t weights = clear_output(p, c);
      const std::uint64_t bias = p.bias ? clear(model_.mutable_tensor_bytes(*p.bias), size(*p.bias), c, 1, 1) : 0;
      s.bias_zeroed += bias;
      if (weights + bias != 0) ++s.dead_channels, changed = true;
    }
    return changed;
  }

  // Zeroes the consumer's columns of channels that are constant zero all along the chain.
  bool clear_zero_inputs(const Link& link) {
    const Layer& p = g_.layers[link.producer];
    if (!link.keeps_zero || p.bias_opaque) return false;
    const std::vector<char> live = live_outputs(p);
    const Layer& c = g_.layers[link.consumer];
    bool changed = false;
    for (std::uint64_t ch = 0; ch < p.outputs; ++ch) {
      if (live[ch]) continue;
      for (std::uint64_t col = ch * link.span; col < (ch + 1) * link.span; ++col) {
        if (cleared_[link.consumer][col]) continue;
        cleared_[link.consumer][col] = 1;
        if (clear_input(c, col) != 0) ++stats_[link.consumer].zero_inputs, changed = true;
      }
    }
    return changed;
  }

  std::vector<DeadUnitLayer>& stats() { return stats_; }

 private:
  std::size_t size(std::size_t tensor) const { return dtype_size(model_.tensor(tensor).dtype); }

  // Calls f(output, input) for every nonzero weight of `l`, in memory order.
  template <class F>
  void for_each_nonzero(const Layer& l, F f) const {
    const auto bytes = model_.tensor_bytes(l.weight);
    const std::size_t es = size(l.weight);
    const std::uint8_t* p = bytes.data();
    for (std::uint64_t a = 0; a < (l.out_major ? l.outputs : l.inputs); ++a) {
      for (std::uint64_t b = 0; b < (l.out_major ? l.inputs : l.outputs); ++b) {
        for (std::uint64_t k = 0; k < l.inner; ++k, p += es) {
          if (!is_zero(p, es)) l.out_major ? f(a, b) : f(b, a);
        }
      }
    }
  }

  // Per input column of `l`, whether any of its weights is nonzero.
  std::vector<char> live_inputs(const Layer& l) const {
    std::vector<char> live(l.inputs, 0);
    for_each_nonzero(l, [&](std::uint64_t, std::uint64_t i) { live[i] = 1; });
    return live;
  }

  // Per output channel of `l`, whether any weight or bias entry is nonzero.
  std::vector<char> live_outputs(const Layer& l) const {
    std::vector<char> live(l.outputs, 0);
    for_each_nonzero(l, [&](std::uint64_t o, std::uint64_t) { live[o] = 1; });
    if (l.bias) {
      const auto bias = model_.tensor_bytes(*l.bias);
      const std::size_t bs = size(*l.bias);
      for (std::uint64_t c = 0; c < l.outputs; ++c) {
        if (!is_zero(bias.data() + c * bs, bs)) live[c] = 1;
      }
    }
    return live;
  }

  std::uint64_t clear_output(const Layer& l, std::uint64_t c) {
    const auto bytes = model_.mutable_tensor_bytes(l.weight);
    if (l.out_major) return clear(bytes, size(l.weight), c * l.inputs * l.inner, l.inputs * l.inner, 1);
    return clear(bytes, size(l.weight), c, l.inputs, l.outputs);
  }

  std::uint64_t clear_input(const Layer& l, std::uint64_t i) {
    const auto bytes = model_.mutable_tensor_bytes(l.weight);
    const std::size_t es = size(l.weight);
    if (!l.out_major) return clear(bytes, es, i * l.outputs, l.outputs, 1);
    std::uint64_t n = 0;
    for (std::uint64_t o = 0; o < l.outputs; ++o) n += clear(bytes, es, (o * l.inputs + i) * l.inner, l.inner, 1);
    return n;
  }

  OnnxModel& model_;
  const Graph& g_;
  std::vector<DeadUnitLayer> stats_;
  std::vector<std::vector<char>> dead_;     // per layer and output: already zeroed as dead
  std::vector<std::vector<char>> cleared_;  // per layer and input: already zeroed as unfed
};

// Names each linked layer's neighbours in the report; unlinked layers are left out of it.
std::vector<char> name_links(const Graph& g, const std::vector<SelectedWeight>& selected,
                             std::vector<DeadUnitLayer>& stats) {
  std::vector<char> linked(g.layers.size(), 0);
  for (const Link& l : g.links) {
    linked[l.producer] = linked[l.consumer] = 1;
    stats[l.producer].consumer = selected[g.layers[l.consumer].selected].name;
    stats[l.consumer].producer = selected[g.layers[l.producer].selected].name;
  }
  return linked;
}

}  // namespace

Result<DeadUnitReport> eliminate_dead_units(OnnxModel& model, const WeightSelection& selection) {
  DCZ_ASSIGN_OR_RETURN(std::vector<SelectedWeight> selected, select_weights(model, selection));
  DCZ_TRY(check_selected_weights(model, selected, "pruned"));
  const Graph g = dead_units::find_links(model, selected);
  std::vector<std::uint64_t> before(g.layers.size());
  for (std::size_t l = 0; l < g.layers.size(); ++l) {
    before[l] = count_nonzero(model.tensor_bytes(g.layers[l].weight), dtype_size(model.tensor(g.layers[l].weight).dtype));
  }
  Pass pass(model, g);
  DeadUnitReport report;
  report.links = g.links.size();
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = g.links.rbegin(); it != g.links.rend(); ++it) changed = pass.kill_dead_channels(*it) || changed;
    for (const Link& link : g.links) changed = pass.clear_zero_inputs(link) || changed;
    ++report.rounds;
  }
  const std::vector<char> linked = name_links(g, selected, pass.stats());
  for (std::size_t l = 0; l < g.layers.size(); ++l) {
    if (!linked[l]) continue;
    const Layer& layer = g.layers[l];
    DeadUnitLayer s = std::move(pass.stats()[l]);
    s.name = selected[layer.selected].name;
    s.node = layer.node;
    s.op_type = layer.op_type;
    s.channels = layer.outputs;
    s.inputs = layer.inputs;
    s.weights = model.tensor(layer.weight).element_count();
    s.nonzero_before = before[l];
    s.nonzero_after = count_nonzero(model.tensor_bytes(layer.weight), dtype_size(model.tensor(layer.weight).dtype));
    report.weights_zeroed += s.nonzero_before - s.nonzero_after;
    report.bias_zeroed += s.bias_zeroed;
    report.layers.push_back(std::move(s));
  }
  return report;
}

}  // namespace dcz
