// rate_quantize_tensor: the per-layer step search and Lloyd-ECSQ refinement around the Viterbi
// level choice (rate_levels.h). Deterministic: Δ candidates are evaluated independently and the
// best is taken in candidate order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "dcz/rate_quantize.h"
#include "quantize/float_codec.h"
#include "quantize/rate_feedback.h"
#include "quantize/parallel.h"
#include "quantize/rate_importance.h"
#include "quantize/rate_levels.h"

namespace dcz {
namespace quantize::rate {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Levels stay within ±2^15 (the step never goes below max|w| / 2^15).
constexpr int kMaxLevelBits = 15;
// Passes of (choose levels, re-estimate the rate model) per step candidate.
constexpr int kRatePasses = 3;
constexpr int kRefinePasses = 2;

struct Weights {
  std::vector<double> w;  // the elements as doubles
  std::vector<double> a;  // gain · h_i
  double min_w = 0.0, max_w = 0.0, max_abs = 0.0;
  unsigned dtype_bits = 32;
  int mantissa_bits = 23;
};

// One step's outcome: the levels, their table and cost terms.
struct Trial {
  double step = 0.0;  // Δ of the grid the levels were chosen on
  LevelTable table;
  std::vector<std::int32_t> levels;
  LevelCounts counts;
  double distortion = 0.0;
  double bits = 0.0;
  std::uint32_t used = 0;
  double cost = kInf;
};

double distortion_of(const Weights& x, const LevelTable& t, std::span<const std::int32_t> levels) {
  double d = 0.0;
  for (std::size_t i = 0; i < x.w.size(); ++i) {
    const double e = x.w[i] - t.value(levels[i]);
    d += x.a[i] * e * e;
  }
  return d;
}

// Fills the cost terms of a trial from its levels: D + λ·(context bits + the codebook).
void score(const Weights& x, double lambda, Trial& t) {
  t.counts = count_levels(t.levels, t.table);
  t.used = 0;
  for (const std::uint64_t c : t.counts.level) t.used += c != 0;
  t.distortion = distortion_of(x, t.table, t.levels);
  t.bits = level_bits(t.counts).context;
  t.cost = t.distortion + lambda * (t.bits + static_cast<double>(t.used) * x.dtype_bits);
}

// Levels on the uniform grid of `step`: nearest rounding seeds the rate model, then the Viterbi
// choice and re-estimation alternate.
Trial grid_trial(const Weights& x, double step, double lambda) {
  Trial t;
  t.step = step;
  t.table = uniform_table(step, x.min_w, x.max_w);
  t.levels.resize(x.w.size());
  for (std::size_t i = 0; i < x.w.size(); ++i) {
    t.levels[i] = static_cast<std::int32_t>(std::nearbyint(x.w[i] / step));
  }
  for (int pass = 0; pass < kRatePasses; ++pass) {
    const RateModel model = rate_model(count_levels(t.levels, t.table));
    choose_levels(x.w, x.a, t.table, model, lambda, t.levels);
  }
  score(x, lambda, t);
  return t;
}

// Each used level's value becomes the a-weighted mean of its elements. False (table unchanged)
// when the means would not stay strictly increasing and nonzero once rounded by `round`.
template <class Round>
bool centroid_table(const Weights& x, const Trial& t, const Round& round, LevelTable& out) {
  std::vector<double> num(t.table.recon.size(), 0.0), den(t.table.recon.size(), 0.0);
  for (std::size_t i = 0; i < x.w.size(); ++i) {
    const auto k = static_cast<std::size_t>(t.levels[i] - t.table.lo);
    num[k] += x.a[i] * x.w[i];
    den[k] += x.a[i];
  }
  LevelTable next = t.table;
  for (std::size_t k = 0; k < next.recon.size(); ++k) {
    const std::int64_t q = t.table.lo + static_cast<std::int64_t>(k);
    if (q != 0 && den[k] > 0.0) next.recon[k] = round(num[k] / den[k]);
  }
  for (std::size_t k = 1; k < next.recon.size(); ++k) {
    if (!(next.recon[k] > next.recon[k - 1])) return false;
  }
  out = std::move(next);
  return true;
}

template <class Round>
Trial refine(const Weights& x, Trial best, double lambda, const Round& round) {
  Trial t = best;
  for (int pass = 0; pass < kRefinePasses; ++pass) {
    LevelTable table;
    if (!centroid_table(x, t, round, table)) break;
    t.table = std::move(table);
    const RateModel model = rate_model(t.counts);
    choose_levels(x.w, x.a, t.table, model, lambda, t.levels);
    score(x, lambda, t);
    if (t.cost < best.cost) best = t;
  }
  return best;
}

// Evaluates `steps` (concurrently) and returns the index of the cheapest (first on ties).
std::size_t best_of(const Weights& x, std::span<const double> steps, double lambda,
                    unsigned threads, std::vector<Trial>& trials) {
  trials.assign(steps.size(), Trial{});
  parallel_for(steps.size(), threads,
               [&](std::size_t k) { trials[k] = grid_trial(x, steps[k], lambda); });
  std::size_t best = 0;
  for (std::size_t k = 1; k < trials.size(); ++k) {
    if (trials[k].cost < trials[best].cost) best = k;
  }
  return best;
}

// The step search: a coarse geometric sweep (ratio √2) down from max|w| that stops four steps
// past the best, then the neighbours at ratios 2^(±1/8 … ±3/8) around it.
Trial search_step(const Weights& x, double lambda, unsigned threads) {
  const double top = x.max_abs;
  const double floor_step =
      std::max(std::ldexp(top, -kMaxLevelBits), std::ldexp(top, 2 - x.mantissa_bits));
  std::vector<double> coarse;
  for (int k = 0;; ++k) {
    const double s = top * std::exp2(-0.5 * k);
    if (s < floor_step) break;
    coarse.push_back(s);
  }
  if (coarse.empty()) coarse.push_back(top);
  const unsigned workers = resolve_threads(threads);
  Trial best;
  std::size_t best_k = 0, done = 0;
  std::vector<Trial> trials;
  while (done < coarse.size()) {
    const std::size_t count = std::min<std::size_t>(workers, coarse.size() - done);
    best_of(x, std::span(coarse).subspan(done, count), lambda, threads, trials);
    for (std::size_t j = 0; j < count; ++j) {
      if (trials[j].cost < best.cost) {
        best = std::move(trials[j]);
        best_k = done + j;
      }
    }
    done += count;
    if (done > best_k + 4) break;
  }
  std::vector<double> fine;
  for (const int j : {-3, -2, -1, 1, 2, 3}) {
    const double s = coarse[best_k] * std::exp2(j / 8.0);
    if (s >= floor_step) fine.push_back(s);
  }
  const std::size_t k = best_of(x, fine, lambda, threads, trials);
  if (!trials.empty() && trials[k].cost < best.cost) best = std::move(trials[k]);
  return best;
}


}  // namespace

// K of the error-feedback path: dims[input_axis] of a rank-2 weight, else the product of dims[1..]
// (a convolution's patch); 0 when it does not apply.
std::uint64_t feedback_inputs(std::span<const std::int64_t> dims, std::uint32_t input_axis) {
  if (dims.size() < 2 || input_axis > 1) return 0;
  if (dims.size() == 2) return static_cast<std::uint64_t>(dims[input_axis]);
  if (input_axis != 1) return 0;
  std::uint64_t k = 1;
  for (std::size_t d = 1; d < dims.size(); ++d) k *= static_cast<std::uint64_t>(dims[d]);
  return k;
}

namespace {

// The error-feedback path (rate_feedback.h); nullopt when H is not positive definite.
std::optional<Trial> feedback_trial(const Weights& x, const RateTensorOptions& o,
                                    std::span<const std::int64_t> dims) {
  FeedbackProblem p;
  p.w = x.w;
  p.inputs = static_cast<std::size_t>(feedback_inputs(dims, o.input_axis));
  p.outputs = x.w.size() / p.inputs;
  p.input_axis_last = o.input_axis == 1;
  p.gram = o.input_gram;
  p.output_gram = o.output_gram;
  p.gain = o.gain;
  p.lambda = o.lambda;
  p.dtype_bits = x.dtype_bits;
  p.min_step = std::max(std::ldexp(x.max_abs, -kMaxLevelBits), std::ldexp(x.max_abs, 2 - x.mantissa_bits));
  p.threads = o.threads;
  FeedbackResult r;
  if (!feedback_quantize(p, r)) return std::nullopt;
  Trial t;
  t.step = r.step;
  t.table = std::move(r.table);
  t.levels = std::move(r.levels);
  t.counts = std::move(r.counts);
  t.distortion = r.distortion;
  t.bits = r.bits;
  t.used = r.used;
  t.cost = r.cost;
  return t;
}

}  // namespace

// Runs the whole search on decoded weights and returns the chosen trial (shared by every dtype).
template <class Codec>
Trial quantize_weights(const Weights& x, const RateTensorOptions& o,
                       std::span<const std::int64_t> dims) {
  const auto round = [](double v) {
    const auto bits = Codec::nearest(v);
    if (Codec::is_zero(bits)) return static_cast<double>(Codec::decode(Codec::smallest_subnormal(v < 0)));
    return static_cast<double>(Codec::decode(bits));
  };
  if (!o.input_gram.empty()) {
    if (auto t = feedback_trial(x, o, dims)) {
      for (std::size_t k = 0; k < t->table.recon.size(); ++k) {
        if (t->table.lo + static_cast<std::int64_t>(k) != 0) t->table.recon[k] = round(t->table.recon[k]);
      }
      return std::move(*t);
    }
  }
  Trial best = search_step(x, o.lambda, o.threads);
  // The grid values as the dtype stores them (Δ ≥ 4 ulp of max|w|, so they stay distinct).
  for (std::size_t k = 0; k < best.table.recon.size(); ++k) {
    if (best.table.lo + static_cast<std::int64_t>(k) != 0) best.table.recon[k] = round(best.table.recon[k]);
  }
  score(x, o.lambda, best);
  if (o.refine) best = refine(x, std::move(best), o.lambda, round);
  return best;
}

// a_i = gain · (energy[channel of i] + ε); ε = 1e-6 × the mean energy keeps a silent channel's
// error from being free.
std::vector<double> element_importance(const RateTensorOptions& o,
                                       std::span<const std::int64_t> dims, std::size_t n) {
  if (o.input_energy.empty()) return std::vector<double>(n, o.gain);
  double mean = 0.0;
  for (const float e : o.input_energy) mean += e;
  mean /= static_cast<double>(o.input_energy.size());
  const double eps = mean > 0.0 ? 1e-6 * mean : 1.0;
  std::uint64_t inner = 1;  // elements per step of the input axis
  for (std::size_t d = o.input_axis + 1; d < dims.size(); ++d) inner *= static_cast<std::uint64_t>(dims[d]);
  std::uint64_t per_output = 1;  // elements per output channel (axis 0)
  for (std::size_t d = 1; d < dims.size(); ++d) per_output *= static_cast<std::uint64_t>(dims[d]);
  const auto channels = static_cast<std::uint64_t>(dims[o.input_axis]);
  const std::uint64_t outputs_per_group = o.groups > 1 ? static_cast<std::uint64_t>(dims[0]) / o.groups : 1;
  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t c = (i / inner) % channels;
    if (o.groups > 1) c += (i / per_output / outputs_per_group) * channels;
    a[i] = o.gain * (static_cast<double>(o.input_energy[c]) + eps);
  }
  return a;
}

}  // namespace quantize::rate

namespace {

using quantize::rate::Trial;
using quantize::rate::Weights;

Status check_options(const RateTensorOptions& o, std::span<const std::int64_t> dims,
                     std::string_view name) {
  using quantize::rate::feedback_inputs;
  const std::string where = "tensor '" + std::string(name) + "': ";
  if (!(o.lambda > 0.0) || !std::isfinite(o.lambda)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + "lambda must be a finite number > 0, not " + std::to_string(o.lambda));
  }
  if (!(o.gain >= 0.0) || !std::isfinite(o.gain)) {
    return make_error(ErrorCode::kInvalidArgument, where + "layer gain must be finite and >= 0");
  }
  if (!o.input_gram.empty()) {
    const std::uint64_t k = feedback_inputs(dims, o.input_axis);
    const bool fits = dims.size() >= 2 && o.input_axis < 2 && o.groups == 1 && k > 0 &&
                      (dims.size() == 2 || o.input_axis == 1) && o.input_gram.size() == k * k;
    if (!fits) {
      return make_error(ErrorCode::kInvalidArgument,
                        where + "input_gram must be K × K for the inputs of one output");
    }
    for (const double g : o.input_gram) {
      if (!std::isfinite(g)) return make_error(ErrorCode::kInvalidArgument, where + "input_gram is not finite");
    }
  }
  if (!o.output_gram.empty()) {
    std::uint64_t elements = 1;
    for (const std::int64_t d : dims) elements *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 0));
    const std::uint64_t k = feedback_inputs(dims, o.input_axis);
    const std::uint64_t m = k > 0 ? elements / k : 0;
    if (o.input_gram.empty() || m == 0 || o.output_gram.size() != m * m) {
      return make_error(ErrorCode::kInvalidArgument,
                        where + "output_gram must be M × M for the M outputs, and needs input_gram");
    }
    for (const double g : o.output_gram) {
      if (!std::isfinite(g)) return make_error(ErrorCode::kInvalidArgument, where + "output_gram is not finite");
    }
  }
  if (o.input_energy.empty()) return Status::ok();
  if (o.groups == 0 || o.input_axis >= dims.size() || (o.groups > 1 && o.input_axis != 1)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + "input axis " + std::to_string(o.input_axis) + " / groups " +
                          std::to_string(o.groups) + " do not fit a rank-" +
                          std::to_string(dims.size()) + " tensor");
  }
  const auto expected = static_cast<std::uint64_t>(dims[o.input_axis]) * o.groups;
  if (o.input_energy.size() != expected || (o.groups > 1 && dims[0] % o.groups != 0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + std::to_string(o.input_energy.size()) +
                          " input energies for an input axis of " + std::to_string(expected));
  }
  for (const float e : o.input_energy) {
    if (!(e >= 0.0f) || !std::isfinite(e)) {
      return make_error(ErrorCode::kInvalidArgument, where + "input energies must be finite and >= 0");
    }
  }
  return Status::ok();
}

template <class Codec>
Status decode_weights(std::span<const std::uint8_t> bytes, std::string_view name, Weights& x) {
  constexpr std::size_t size = sizeof(typename Codec::Bits);
  const std::size_t n = bytes.size() / size;
  x.w.resize(n);
  x.min_w = x.max_w = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = quantize::load_bits<Codec>(bytes.data() + i * size);
    if (!Codec::is_finite(b)) {
      return make_error(ErrorCode::kUnsupported, "tensor '" + std::string(name) + "': element " +
                                                     std::to_string(i) + " is NaN or infinite");
    }
    const double v = Codec::is_zero(b) ? 0.0 : static_cast<double>(Codec::decode(b));
    x.w[i] = v;
    x.min_w = std::min(x.min_w, v);
    x.max_w = std::max(x.max_w, v);
  }
  x.max_abs = std::max(-x.min_w, x.max_w);
  x.dtype_bits = static_cast<unsigned>(size * 8);
  return Status::ok();
}

template <class Codec>
void store_levels(const Weights& x, const Trial& t, std::span<std::uint8_t> bytes,
                  RateTensorStats& s) {
  constexpr std::size_t size = sizeof(typename Codec::Bits);
  for (std::size_t i = 0; i < x.w.size(); ++i) {
    if (x.w[i] == 0.0) continue;  // input zeros keep their bit pattern (+0 or -0)
    const std::int32_t q = t.levels[i];
    const double v = q == 0 ? 0.0 : t.table.value(q);
    quantize::store_bits<Codec>(bytes.data() + i * size, Codec::nearest(v));
    const double e = std::abs(x.w[i] - v);
    s.sse += e * e;
    s.max_abs_error = std::max(s.max_abs_error, e);
    s.zeros_after += q == 0;
  }
}

template <class Codec>
Result<RateTensorStats> run(std::span<std::uint8_t> bytes, std::span<const std::int64_t> dims,
                            const RateTensorOptions& o, std::string_view name, int mantissa_bits) {
  Weights x;
  x.mantissa_bits = mantissa_bits;
  DCZ_TRY(decode_weights<Codec>(bytes, name, x));
  RateTensorStats s;
  s.elements = x.w.size();
  for (const double v : x.w) {
    s.zeros_before += v == 0.0;
    s.signal += v * v;
  }
  s.zeros_after = s.zeros_before;
  if (x.max_abs == 0.0) return s;  // all zero: nothing to code but zeros
  x.a = quantize::rate::element_importance(o, dims, x.w.size());
  const Trial t = quantize::rate::quantize_weights<Codec>(x, o, dims);
  store_levels<Codec>(x, t, bytes, s);
  s.step = t.step;
  s.levels_used = t.used;
  for (const std::int32_t q : t.levels) {
    s.min_level = std::min<std::int64_t>(s.min_level, q);
    s.max_level = std::max<std::int64_t>(s.max_level, q);
  }
  const quantize::rate::LevelBits bits = quantize::rate::level_bits(t.counts);
  s.estimated_bits = bits.context;
  s.order0_bits = bits.order0;
  s.codebook_bits = static_cast<double>(t.used) * x.dtype_bits;
  s.weighted_distortion = t.distortion;
  s.cost = t.cost;
  return s;
}

}  // namespace

double RateTensorStats::sqnr_db() const {
  if (sse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / sse);
}

Result<RateTensorStats> rate_quantize_tensor(DType dtype, std::span<std::uint8_t> bytes,
                                             std::span<const std::int64_t> dims,
                                             const RateTensorOptions& options,
                                             std::string_view name) {
  DCZ_TRY(check_options(options, dims, name));
  std::uint64_t elements = 1;
  for (const std::int64_t d : dims) {
    if (d < 0) return make_error(ErrorCode::kInvalidArgument, "tensor '" + std::string(name) + "': negative dimension");
    elements *= static_cast<std::uint64_t>(d);
  }
  const std::size_t size = dtype_size(dtype);
  const bool is_float = dtype == DType::kFloat32 || dtype == DType::kFloat16 ||
                        dtype == DType::kBFloat16 || dtype == DType::kFloat64;
  if (!is_float) {
    return make_error(ErrorCode::kUnsupported,
                      "tensor '" + std::string(name) + "' is not a float tensor; only float32, "
                      "float16, bfloat16 and float64 tensors can be quantized");
  }
  if (bytes.size() != elements * size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor '" + std::string(name) + "': " + std::to_string(bytes.size()) +
                          " bytes for " + std::to_string(elements) + " elements");
  }
  switch (dtype) {
    case DType::kFloat16: return run<quantize::Float16Codec>(bytes, dims, options, name, 10);
    case DType::kBFloat16: return run<quantize::BFloat16Codec>(bytes, dims, options, name, 7);
    case DType::kFloat64: return run<quantize::Float64Codec>(bytes, dims, options, name, 52);
    default: return run<quantize::Float32Codec>(bytes, dims, options, name, 23);
  }
}

}  // namespace dcz
