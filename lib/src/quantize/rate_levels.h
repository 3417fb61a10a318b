// The level choice of the rate-aware quantizer (dcz/rate_quantize.h): a rate model of signed
// integer levels with the coder's significance context, and the Viterbi search that picks each
// element's level minimising Σ a_i (w_i − r(q_i))² + λ·bits. No dtype, no ONNX.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dcz::quantize::rate {

// Levels lo..hi (lo <= 0 <= hi); the reconstruction value of level q is recon[q - lo], strictly
// increasing, with recon[-lo] == 0.
struct LevelTable {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::vector<double> recon;
  double value(std::int64_t q) const { return recon[static_cast<std::size_t>(q - lo)]; }
};

// The uniform grid q·Δ covering [min_w, max_w].
LevelTable uniform_table(double step, double min_w, double max_w);

// Occurrences: significance (level != 0) per context (previous element's level != 0; the first
// element's context is "zero"), and each nonzero level.
struct LevelCounts {
  std::uint64_t sig[2][2] = {{0, 0}, {0, 0}};  // [context][nonzero]
  std::vector<std::uint64_t> level;             // index q - lo; level 0 unused
};

LevelCounts count_levels(std::span<const std::int32_t> levels, const LevelTable& table);

// Code lengths in bits from counts, with Krichevsky–Trofimov (+½) smoothing so that an unused
// level still has a finite cost.
struct RateModel {
  double sig_bits[2][2] = {{0, 0}, {0, 0}};  // [context][nonzero]
  std::vector<double> level_bits;            // −log2 p(q | nonzero), index q − lo
};

RateModel rate_model(const LevelCounts& counts);

// Σ −log2 p(level | context) with the probabilities estimated from the levels themselves (the
// empirical conditional entropy, what an adaptive coder approaches), and the order-0 entropy of
// the levels × their count.
struct LevelBits {
  double context = 0.0;
  double order0 = 0.0;
};
LevelBits level_bits(const LevelCounts& counts);

// The Viterbi search over the two context states. Element i may take level 0 or one of the two
// levels of `table` around w_i; an exact zero (w_i == 0) is forced to level 0. `a` are the distortion weights (gain · h_i). Fills `levels`; returns the total cost
// Σ a_i (w_i − r(q_i))² + λ·Σ bits under `model`.
double choose_levels(std::span<const double> w, std::span<const double> a, const LevelTable& table,
                     const RateModel& model, double lambda, std::span<std::int32_t> levels);

}  // namespace dcz::quantize::rate
