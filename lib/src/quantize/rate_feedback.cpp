// Error-feedback rate-aware quantization (rate_feedback.h). Each output row is quantized input
// column after input column; the rows are independent, so they run concurrently and are summed
// in row order (the result never depends on the thread count).
#include "quantize/rate_feedback.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quantize/parallel.h"

namespace dcz::quantize::rate {
namespace {

constexpr double kDamp = 0.01;  // × mean diagonal, so H stays invertible (GPTQ's choice)
constexpr int kRatePasses = 2;
constexpr double kInf = std::numeric_limits<double>::infinity();

// In-place lower Cholesky factor of the n × n row-major matrix a (a = L Lᵀ); false unless
// positive definite.
bool cholesky(std::vector<double>& a, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0.0)) return false;
    d = std::sqrt(d);
    a[j * n + j] = d;
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
    for (std::size_t k = j + 1; k < n; ++k) a[j * n + k] = 0.0;
  }
  return true;
}

// U with m⁻¹ = Uᵀ U for a symmetric positive definite n × n m (consumed).
bool invert_factor(std::vector<double> l, std::size_t n, std::vector<double>& u) {
  if (!cholesky(l, n)) return false;
  // L⁻¹ (lower), then H⁻¹ = L⁻ᵀ L⁻¹.
  std::vector<double> li(n * n, 0.0);
  for (std::size_t c = 0; c < n; ++c) {
    li[c * n + c] = 1.0 / l[c * n + c];
    for (std::size_t i = c + 1; i < n; ++i) {
      double s = 0.0;
      for (std::size_t k = c; k < i; ++k) s -= l[i * n + k] * li[k * n + c];
      li[i * n + c] = s / l[i * n + i];
    }
  }
  std::vector<double> inv(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double s = 0.0;
      for (std::size_t k = i; k < n; ++k) s += li[k * n + i] * li[k * n + j];
      inv[i * n + j] = inv[j * n + i] = s;
    }
  }
  if (!cholesky(inv, n)) return false;
  u.assign(n * n, 0.0);  // U = Lᵀ of H⁻¹'s factor
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) u[j * n + i] = inv[i * n + j];
  }
  return true;
}

// U with (H + damping)⁻¹ = Uᵀ U: the factor GPTQ propagates errors with.
bool inverse_factor(std::span<const double> gram, std::size_t n, std::vector<double>& u) {
  std::vector<double> l(gram.begin(), gram.end());
  double mean = 0.0;
  for (std::size_t j = 0; j < n; ++j) mean += l[j * n + j];
  mean = mean > 0.0 ? mean / static_cast<double>(n) : 1.0;
  for (std::size_t j = 0; j < n; ++j) l[j * n + j] += kDamp * mean;
  return invert_factor(std::move(l), n, u);
}

// U_G for the output-side matrix: G scaled to a mean diagonal of 1 (the layer gain keeps the
// scale), damped like H and scaled back to a mean diagonal of 1, then U with G⁻¹ = Uᵀ U.
// G = I gives exactly I, so the rows are then independent as without G.
bool output_factor(std::span<const double> gram, std::size_t n, std::vector<double>& u) {
  double mean = 0.0;
  for (std::size_t j = 0; j < n; ++j) mean += gram[j * n + j];
  mean /= static_cast<double>(n);
  if (!(mean > 0.0) || !std::isfinite(mean)) return false;
  std::vector<double> g(gram.begin(), gram.end());
  for (double& v : g) v /= mean;
  for (std::size_t j = 0; j < n; ++j) g[j * n + j] += kDamp;
  for (double& v : g) v /= 1.0 + kDamp;
  return invert_factor(std::move(g), n, u);
}

struct Pass {
  std::vector<std::int32_t> levels;
  std::vector<double> row_distortion;
};

class Solver {
 public:
  // `u`: H's inverse factor (K × K); `ug`: G's (M × M), empty when the rows are independent.
  Solver(const FeedbackProblem& p, std::vector<double> u, std::vector<double> ug)
      : p_(p), u_(std::move(u)), ug_(std::move(ug)) {}

  std::size_t index(std::size_t o, std::size_t j) const {
    return p_.input_axis_last ? o * p_.inputs + j : j * p_.outputs + o;
  }

  // One pass at `step` under `model`; `previous` (the last pass's levels) gives the context of
  // elements whose storage neighbour belongs to another output row: the first column of a
  // [M, K] weight, and every element of a [K, M] one, whose rows run concurrently.
  void run(double step, const LevelTable& table, const RateModel& model,
           std::span<const std::int32_t> previous, Pass& pass) const {
    pass.levels.assign(p_.w.size(), 0);
    pass.row_distortion.assign(p_.outputs, 0.0);
    if (ug_.empty()) {
      parallel_for(p_.outputs, p_.threads, [&](std::size_t o) {
        std::vector<double> row(p_.inputs);
        for (std::size_t j = 0; j < p_.inputs; ++j) row[j] = p_.w[index(o, j)];
        run_row(o, std::move(row), 1.0, step, table, model, previous, pass, nullptr);
      });
      return;
    }
    run_coupled(step, table, model, previous, pass);
  }

 private:
  // Rows in order; after each, its output-normalised errors E move every later row o' by
  // −U_G[o, o'] · (E U_H): the rows of G⁻¹ ⊗ H⁻¹'s factor that the finished row's elements own.
  void run_coupled(double step, const LevelTable& table, const RateModel& model,
                   std::span<const std::int32_t> previous, Pass& pass) const {
    const std::size_t m = p_.outputs, k = p_.inputs;
    std::vector<double> work(m * k);  // [M, K], moved by the rows before
    for (std::size_t o = 0; o < m; ++o) {
      for (std::size_t j = 0; j < k; ++j) work[o * k + j] = p_.w[index(o, j)];
    }
    std::vector<double> errors(k), shift(k);
    for (std::size_t o = 0; o < m; ++o) {
      std::vector<double> row(work.begin() + static_cast<std::ptrdiff_t>(o * k),
                              work.begin() + static_cast<std::ptrdiff_t>((o + 1) * k));
      run_row(o, std::move(row), ug_[o * m + o], step, table, model, previous, pass, &errors);
      if (o + 1 == m) break;
      std::fill(shift.begin(), shift.end(), 0.0);
      for (std::size_t j = 0; j < k; ++j) {
        if (errors[j] == 0.0) continue;
        const double* urow = u_.data() + j * k;
        for (std::size_t c = j; c < k; ++c) shift[c] += errors[j] * urow[c];
      }
      parallel_for(m - o - 1, p_.threads, [&](std::size_t i) {
        const std::size_t later = o + 1 + i;
        const double f = ug_[o * m + later];
        if (f == 0.0) return;
        double* target = work.data() + later * k;
        for (std::size_t c = 0; c < k; ++c) target[c] -= f * shift[c];
      });
    }
  }

  // Quantizes output row o from `row` (its weights, moved by the rows before when coupled);
  // `g` = U_G[o, o] (1 when uncoupled). `errors`, when given, receives each element's error
  // normalised by its diagonal factor entry, (w − ŵ) / (U_H[j, j] · g).
  void run_row(std::size_t o, std::vector<double> row, double g, double step, const LevelTable& table,
               const RateModel& model, std::span<const std::int32_t> previous, Pass& pass,
               std::vector<double>* errors) const {
    const std::size_t k = p_.inputs;
    double distortion = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t at = index(o, j);
      // Only this row's own earlier elements: row o - 1 of a [K, M] weight may still be running on
      // another thread, so reading it would make the result depend on timing.
      const bool left_decided = p_.input_axis_last && j > 0;
      const std::int32_t left = at == 0 ? 0 : (left_decided ? pass.levels[at - 1] : previous[at - 1]);
      const int ctx = left != 0;
      const double x = row[j], ujj = u_[j * k + j] * g, a = 1.0 / (ujj * ujj);
      std::int32_t best_q = 0;
      double best = a * x * x + p_.lambda * model.sig_bits[ctx][0];
      if (x != 0.0) {
        const auto below = static_cast<std::int64_t>(std::floor(x / step));
        for (std::int64_t q = below; q <= below + 1; ++q) {
          if (q == 0 || q < table.lo || q > table.hi) continue;
          const double e = x - static_cast<double>(q) * step;
          const double c = a * e * e + p_.lambda * (model.sig_bits[ctx][1] +
                                                    model.level_bits[static_cast<std::size_t>(q - table.lo)]);
          if (c < best) {
            best = c;
            best_q = static_cast<std::int32_t>(q);
          }
        }
      }
      pass.levels[at] = best_q;
      const double err = (x - static_cast<double>(best_q) * step) / ujj;
      distortion += err * err;
      if (errors) (*errors)[j] = err;
      // Within the row the output factor cancels: the update is (w − ŵ) / U_H[j, j] · U_H[j, c].
      const double moved = err * g;
      const double* urow = u_.data() + j * k;
      for (std::size_t c = j + 1; c < k; ++c) row[c] -= moved * urow[c];
    }
    pass.row_distortion[o] = distortion;
  }

  const FeedbackProblem& p_;
  std::vector<double> u_;
  std::vector<double> ug_;
};

// Levels, rate and cost at one step.
FeedbackResult trial(const Solver& solver, const FeedbackProblem& p, double step, double max_abs) {
  FeedbackResult r;
  r.step = step;
  // Feedback moves weights, so the grid reaches past the original range.
  r.table = uniform_table(step, -2.0 * max_abs - step, 2.0 * max_abs + step);
  std::vector<std::int32_t> seed(p.w.size());
  for (std::size_t i = 0; i < p.w.size(); ++i) seed[i] = static_cast<std::int32_t>(std::nearbyint(p.w[i] / step));
  Pass pass;
  pass.levels = seed;
  for (int k = 0; k < kRatePasses; ++k) {
    const RateModel model = rate_model(count_levels(pass.levels, r.table));
    const std::vector<std::int32_t> previous = pass.levels;
    solver.run(step, r.table, model, previous, pass);
  }
  r.levels = std::move(pass.levels);
  r.counts = count_levels(r.levels, r.table);
  r.bits = level_bits(r.counts).context;
  for (const std::uint64_t c : r.counts.level) r.used += c != 0;
  r.distortion = 0.0;
  for (const double d : pass.row_distortion) r.distortion += d;
  r.distortion *= p.gain;
  r.cost = r.distortion + p.lambda * (r.bits + static_cast<double>(r.used) * p.dtype_bits);
  return r;
}

}  // namespace

bool feedback_quantize(const FeedbackProblem& p, FeedbackResult& result) {
  std::vector<double> u;
  if (!inverse_factor(p.gram, p.inputs, u)) return false;
  // The solver's distortion is in units of the layer output; the gain scales it like the
  // diagonal path's g·Σ h e².
  FeedbackProblem scaled = p;
  scaled.lambda = p.lambda / (p.gain > 0.0 ? p.gain : 1.0);
  std::vector<double> ug;
  // A G that is not positive definite even damped leaves the rows independent.
  if (!p.output_gram.empty() && !output_factor(p.output_gram, p.outputs, ug)) ug.clear();
  const Solver solver(scaled, std::move(u), std::move(ug));
  double max_abs = 0.0;
  for (const double v : p.w) max_abs = std::max(max_abs, std::abs(v));
  if (max_abs == 0.0) return false;
  // Coarse steps (ratio √2) down from max|w| until three past the best, then ratios 2^(±1/4).
  FeedbackResult best;
  best.cost = kInf;
  double best_step = max_abs;
  int since_best = 0;
  for (int k = 0; since_best < 3; ++k) {
    const double step = max_abs * std::exp2(-0.5 * k);
    if (step < p.min_step) break;
    FeedbackResult r = trial(solver, p, step, max_abs);
    if (r.cost < best.cost) {
      best = std::move(r);
      best_step = step;
      since_best = 0;
    } else {
      ++since_best;
    }
  }
  for (const double f : {-0.25, 0.25}) {
    const double step = best_step * std::exp2(f);
    if (step < p.min_step) continue;
    FeedbackResult r = trial(solver, p, step, max_abs);
    if (r.cost < best.cost) best = std::move(r);
  }
  if (!std::isfinite(best.cost)) return false;
  result = std::move(best);
  return true;
}

}  // namespace dcz::quantize::rate
