// The scaffold shared by the trade-off families (dcz/tradeoff_search.h): every candidate starts
// from its own copy of the reference model, gets the family's lossy stages at t, and is encoded.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dcz/tradeoff_search.h"

namespace dcz::eval {

// `lossy(model, t, scales)` applies the family's stages to a fresh copy, in place; `scales` is
// empty (every layer at t) or holds one multiplier of t per layer.
using LossyStages = std::function<Status(OnnxModel&, double t, const std::vector<double>& scales)>;

// `layers`: per refinable layer, the tensors whose stored bytes are the layer's (its weight
// first, which names the layer); empty for a family without per-layer refinement.
TradeoffFamily make_tradeoff_family(std::string parameter, double t_min, double t_start, double t_max,
                                    const OnnxModel& reference, const EncodeOptions& encode, unsigned threads,
                                    LossyStages lossy, std::vector<std::vector<std::string>> layers = {});

}  // namespace dcz::eval
