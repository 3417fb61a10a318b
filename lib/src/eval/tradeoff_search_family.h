// The scaffold shared by the trade-off families (dcz/tradeoff_search.h): every candidate starts
// from its own copy of the reference model, gets the family's lossy stages at t, and is encoded.
#pragma once

#include <functional>
#include <string>

#include "dcz/tradeoff_search.h"

namespace dcz::eval {

// `lossy(model, t)` applies the family's stages to a fresh copy, in place.
TradeoffFamily make_tradeoff_family(std::string parameter, double t_min, double t_start, double t_max,
                                    const OnnxModel& reference, const EncodeOptions& encode, unsigned threads,
                                    std::function<Status(OnnxModel&, double)> lossy);

}  // namespace dcz::eval
