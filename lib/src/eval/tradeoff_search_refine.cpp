// Per-layer refinement of the trade-off search. One t sets every layer's trade-off through a
// measured gain; where the gains are off, moving one layer's multiplier (or trading between two)
// finds a smaller file at the same measured accuracy. The moves are tried in a fixed order and
// kept only when the candidate is within budget and smaller than the current one, so the result
// stays "the smallest feasible candidate evaluated".
#include "eval/tradeoff_search_refine.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>

namespace dcz::eval {

namespace {

// The layers that hold most of the bytes: by bytes, largest first (ties: family order), until
// 90 % of the layers' bytes are covered; at least two (a trade needs two), at most three (the
// moves grow as the square of the count, and the budget is a handful of evaluations).
std::vector<std::size_t> largest_layers(const std::vector<std::uint64_t>& bytes) {
  std::vector<std::size_t> order(bytes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return bytes[a] > bytes[b]; });
  const std::uint64_t total = std::accumulate(bytes.begin(), bytes.end(), std::uint64_t{0});
  std::uint64_t covered = 0;
  std::size_t count = 0;
  while (count < order.size() && count < 3 && (count < 2 || covered * 10 < total * 9)) covered += bytes[order[count++]];
  order.resize(count);
  return order;
}

// One move: `coarser`'s multiplier × its step and, when set, `finer`'s ÷ its step.
struct Move {
  std::size_t coarser;
  std::optional<std::size_t> finer;
};

// `layers` largest first. The chosen candidate sits at the budget's edge, and the largest layer
// carries most of the model's error: the same step there moves accuracy far more (LeNet-300-100
// at the ≤ 0.5 edge: fc1 × 2 lost 1.5 more points, fc2 × 2 0.2). So the largest layer steps by
// the square root of the others' factor, and single coarser steps go smallest layer first.
// Then trades: the larger layer coarser and the smaller finer (fewer bytes if the accuracy
// holds), then the reverse.
std::vector<Move> make_moves(const std::vector<std::size_t>& layers) {
  std::vector<Move> moves;
  for (auto i = layers.rbegin(); i != layers.rend(); ++i) moves.push_back({*i, std::nullopt});
  for (bool larger_coarser : {true, false}) {
    for (std::size_t a = 0; a < layers.size(); ++a) {
      for (std::size_t b = a + 1; b < layers.size(); ++b) {
        moves.push_back(larger_coarser ? Move{layers[a], layers[b]} : Move{layers[b], layers[a]});
      }
    }
  }
  return moves;
}

// Multipliers are kept as whole exponents of 2^(1/4), so that two paths to the same point
// (× 2 then × √2, or × √2 three times) are the same point and never built twice. `quarters`: the
// step in those units (4 = a factor 2); the largest layer steps by half as many.
std::vector<int> apply(const Move& m, std::vector<int> exponents, std::size_t largest, int quarters) {
  auto step = [&](std::size_t layer) { return layer == largest ? quarters / 2 : quarters; };
  exponents[m.coarser] += step(m.coarser);
  if (m.finer) exponents[*m.finer] -= step(*m.finer);
  return exponents;
}

std::vector<double> multipliers(const std::vector<int>& exponents) {
  std::vector<double> scales;
  for (int e : exponents) scales.push_back(std::exp2(e / 4.0));
  return scales;
}

}  // namespace

Status refine_layers(const TradeoffFamily& family, const TradeoffSearchResult& result, unsigned budget,
                     const EvaluateScaled& evaluate) {
  const TradeoffSearchReport& r = result.report;
  if (budget == 0 || !family.build_scaled || family.layers.size() < 2 || !r.best || !result.best ||
      result.best->layer_bytes.size() != family.layers.size()) {
    return Status::ok();
  }
  const double t = r.evaluations[*r.best].t;
  std::vector<int> point(family.layers.size(), 0);
  const std::vector<double>& start = r.evaluations[*r.best].scales;
  for (std::size_t i = 0; i < start.size() && i < point.size(); ++i) {
    point[i] = static_cast<int>(std::lround(4 * std::log2(start[i])));
  }
  const std::vector<std::size_t> layers = largest_layers(result.best->layer_bytes);
  const std::vector<Move> moves = make_moves(layers);
  std::set<std::vector<int>> seen{point};  // a trade and its reverse lead back: never rebuild
  unsigned used = 0;
  // Steps of 2, then of √2 once every move at 2 has been tried from the current point in vain.
  for (int quarters : {4, 2}) {
    std::size_t since_gain = 0;
    for (std::size_t m = 0; since_gain < moves.size() && used < budget; m = (m + 1) % moves.size()) {
      std::vector<int> next = apply(moves[m], point, layers.front(), quarters);
      ++since_gain;
      if (!seen.insert(next).second) continue;
      ++used;
      const std::size_t index = r.evaluations.size();
      DCZ_TRY(evaluate(t, multipliers(next)).status());
      if (r.best == index) {  // feasible and smaller than every earlier candidate: move there
        point = std::move(next);
        since_gain = 0;
        m = (m + moves.size() - 1) % moves.size();  // the same move again first
      }
    }
  }
  return Status::ok();
}

}  // namespace dcz::eval
