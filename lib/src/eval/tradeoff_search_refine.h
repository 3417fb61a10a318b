// Step 4 of search_tradeoff (dcz/tradeoff_search.h): greedy moves on per-layer multipliers of t.
#pragma once

#include <functional>
#include <vector>

#include "dcz/tradeoff_search.h"

namespace dcz::eval {

// Builds, evaluates and records the candidate at t with these multipliers (in result's report,
// updating its best); returns whether it was within budget.
using EvaluateScaled = std::function<Result<bool>(double t, const std::vector<double>& scales)>;

// Runs at most `budget` evaluations from result.report.best; does nothing without a feasible
// candidate or without family layers. Errors: those of `evaluate`.
Status refine_layers(const TradeoffFamily& family, const TradeoffSearchResult& result, unsigned budget,
                     const EvaluateScaled& evaluate);

}  // namespace dcz::eval
