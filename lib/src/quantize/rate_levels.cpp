// Rate model and Viterbi level choice of the rate-aware quantizer (rate_levels.h).
#include "quantize/rate_levels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dcz::quantize::rate {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double entropy_bits(std::span<const std::uint64_t> counts) {
  std::uint64_t total = 0;
  for (const std::uint64_t c : counts) total += c;
  double bits = 0.0;
  for (const std::uint64_t c : counts) {
    if (c) bits -= static_cast<double>(c) * std::log2(static_cast<double>(c) / total);
  }
  return bits;
}

// The largest level whose value is <= w (lo when w is below every value).
std::int64_t level_below(const LevelTable& table, double w) {
  const auto it = std::upper_bound(table.recon.begin(), table.recon.end(), w);
  if (it == table.recon.begin()) return table.lo;
  return table.lo + (it - table.recon.begin()) - 1;
}

}  // namespace

LevelTable uniform_table(double step, double min_w, double max_w) {
  LevelTable t;
  t.lo = std::min<std::int64_t>(0, static_cast<std::int64_t>(std::floor(min_w / step)));
  t.hi = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil(max_w / step)));
  t.recon.resize(static_cast<std::size_t>(t.hi - t.lo + 1));
  for (std::int64_t q = t.lo; q <= t.hi; ++q) {
    t.recon[static_cast<std::size_t>(q - t.lo)] = static_cast<double>(q) * step;
  }
  return t;
}

LevelCounts count_levels(std::span<const std::int32_t> levels, const LevelTable& table) {
  LevelCounts c;
  c.level.assign(table.recon.size(), 0);
  int context = 0;
  for (const std::int32_t q : levels) {
    const int nonzero = q != 0;
    ++c.sig[context][nonzero];
    if (nonzero) ++c.level[static_cast<std::size_t>(q - table.lo)];
    context = nonzero;
  }
  return c;
}

RateModel rate_model(const LevelCounts& counts) {
  RateModel m;
  for (int ctx = 0; ctx < 2; ++ctx) {
    const double total = counts.sig[ctx][0] + counts.sig[ctx][1] + 1.0;
    for (int nz = 0; nz < 2; ++nz) {
      m.sig_bits[ctx][nz] = -std::log2((counts.sig[ctx][nz] + 0.5) / total);
    }
  }
  const double alphabet = static_cast<double>(counts.level.size() > 1 ? counts.level.size() - 1 : 1);
  double nonzeros = 0.0;
  for (const std::uint64_t c : counts.level) nonzeros += static_cast<double>(c);
  const double total = nonzeros + 0.5 * alphabet;
  m.level_bits.resize(counts.level.size());
  for (std::size_t i = 0; i < counts.level.size(); ++i) {
    m.level_bits[i] = -std::log2((counts.level[i] + 0.5) / total);
  }
  return m;
}

LevelBits level_bits(const LevelCounts& counts) {
  LevelBits b;
  for (int ctx = 0; ctx < 2; ++ctx) {
    const std::uint64_t sig[2] = {counts.sig[ctx][0], counts.sig[ctx][1]};
    b.context += entropy_bits(sig);
  }
  b.context += entropy_bits(counts.level);
  std::vector<std::uint64_t> all = counts.level;
  all.push_back(counts.sig[0][0] + counts.sig[1][0]);  // the zeros
  b.order0 = entropy_bits(all);
  return b;
}

double choose_levels(std::span<const double> w, std::span<const double> a, const LevelTable& table,
                     const RateModel& model, double lambda, std::span<std::int32_t> levels) {
  const std::size_t n = w.size();
  // back[i]: bit 0 = previous state of the best path into "element i is zero", bit 1 = the same
  // into "nonzero"; choice[i] = the level of the best nonzero option of element i.
  std::vector<std::uint8_t> back(n);
  std::vector<std::int32_t> choice(n, 0);
  const double to_zero[2] = {lambda * model.sig_bits[0][0], lambda * model.sig_bits[1][0]};
  const double to_nonzero[2] = {lambda * model.sig_bits[0][1], lambda * model.sig_bits[1][1]};
  double cost[2] = {0.0, kInf};  // before the first element the context is "zero"
  for (std::size_t i = 0; i < n; ++i) {
    const double x = w[i], weight = a[i];
    const double z0 = cost[0] + to_zero[0], z1 = cost[1] + to_zero[1];
    double next0 = std::min(z0, z1) + weight * x * x;
    std::uint8_t from = z1 < z0 ? 1 : 0;
    double next1 = kInf;
    if (x != 0.0) {
      const double n0 = cost[0] + to_nonzero[0], n1 = cost[1] + to_nonzero[1];
      const double base = std::min(n0, n1);
      if (n1 < n0) from |= 2;
      const std::int64_t below = level_below(table, x);
      for (std::int64_t q = below; q <= below + 1 && q <= table.hi; ++q) {
        if (q == 0) continue;
        const double e = x - table.value(q);
        const double c = base + weight * e * e +
                         lambda * model.level_bits[static_cast<std::size_t>(q - table.lo)];
        if (c < next1) {
          next1 = c;
          choice[i] = static_cast<std::int32_t>(q);
        }
      }
    }
    back[i] = from;
    cost[0] = next0;
    cost[1] = next1;
  }
  int state = cost[1] < cost[0] ? 1 : 0;
  const double total = cost[state];
  for (std::size_t i = n; i-- > 0;) {
    levels[i] = state ? choice[i] : 0;
    state = (back[i] >> state) & 1;
  }
  return total;
}

}  // namespace dcz::quantize::rate
