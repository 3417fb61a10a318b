// The levels representation (format/SPEC.md 6.10, context-adaptive binary coding) against
// representation 1 (codebook indices + positions, Huffman / fixed / zstd per stream, the smallest)
// on the weight tensors of real models, side by side in one run:
//   - size: bytes of every tensor where representation 1 beats dense, under each representation
//     and under --entropy auto (the smaller per tensor); for the levels, each context set (SPEC
//     6.10.5, 6.10.6) and the writer's choice of the smaller;
//   - decode speed: elements/s and nonzeros/s of each decoder over the same tensors, the levels
//     decoder for each context set with one thread and for the writer's choice with two (chunks
//     decode independently).
// With --grid the models' float weights are first snapped to a uniform grid (value = level x
// step, step = std of the nonzeros / 16, zeros kept), the kind of codebook a rate-aware quantizer
// writes; DeepCABAC's integer levels are exactly this case.
//
// --chunk sets the levels chunk size in elements (default 2^18), to measure what independent
// chunks cost in size.
//
// Usage: bench_levels [--grid] [--repeat N] [--chunk ELEMENTS] MODEL.onnx ...
// Nothing here asserts a speed.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "container/encode_tensor.h"
#include "dcz/onnx_model.h"
#include "entropy/levels.h"
#include "entropy/sparse_codebook.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  std::uint64_t tensors = 0, elements = 0, nonzeros = 0;
  std::uint64_t rep1 = 0, rep2 = 0, best = 0;
  std::uint64_t set_bytes[2] = {};  // levels under context set 0 and set 1
  double rep1_seconds = 0, rep2_seconds = 0, rep2_two_threads_seconds = 0;
  double set_seconds[2] = {};

  void add(const Totals& o) {
    tensors += o.tensors, elements += o.elements, nonzeros += o.nonzeros;
    rep1 += o.rep1, rep2 += o.rep2, best += o.best;
    rep1_seconds += o.rep1_seconds, rep2_seconds += o.rep2_seconds;
    rep2_two_threads_seconds += o.rep2_two_threads_seconds;
    for (int k = 0; k < 2; ++k) set_bytes[k] += o.set_bytes[k], set_seconds[k] += o.set_seconds[k];
  }
};

dcz::EncodedTensorView view_of(const dcz::EncodedTensor& t) {
  dcz::EncodedTensorView v{t.representation, t.params, {}};
  for (const dcz::EncodedStream& s : t.streams) v.streams.push_back({s.role, s.coding, s.param, s.decoded_size, 0, s.bytes});
  return v;
}

// Snaps the nonzero float32 weights to multiples of std / 16.
void snap_to_grid(std::vector<std::uint8_t>& bytes) {
  const std::size_t n = bytes.size() / 4;
  std::vector<float> w(n);
  std::memcpy(w.data(), bytes.data(), n * 4);
  double sum = 0, sum2 = 0, count = 0;
  for (float x : w) {
    if (x != 0) sum += x, sum2 += double(x) * x, ++count;
  }
  if (count < 2) return;
  const double step = std::sqrt(std::max(0.0, sum2 / count - (sum / count) * (sum / count))) / 16;
  if (!(step > 0)) return;
  for (float& x : w) {
    if (x != 0) x = float(std::nearbyint(x / step) * step);
  }
  std::memcpy(bytes.data(), w.data(), n * 4);
}

template <class F>
double seconds_of(int repeat, F&& f) {
  const auto start = Clock::now();
  for (int r = 0; r < repeat; ++r) f();
  return std::chrono::duration<double>(Clock::now() - start).count() / repeat;
}

struct Settings {
  bool grid = false;
  int repeat = 5;
  std::uint64_t chunk_elements = dcz::LevelsOptions{}.chunk_elements;
};

bool run_tensor(const dcz::TensorInfo& info, std::vector<std::uint8_t> bytes, const Settings& set,
                Totals& t) {
  const bool grid = set.grid;
  const int repeat = set.repeat;
  if (info.dtype != dcz::DType::kFloat32 || info.element_count() < 256) return true;
  if (grid) snap_to_grid(bytes);
  const dcz::TensorView view{info.dtype, info.dims, bytes};
  const unsigned gap_bits = info.dims.size() >= 3 ? 8 : 5;
  dcz::SparseCodebookOptions so;
  so.gap_bits = gap_bits;
  so.zstd_level = 9;
  auto r1 = dcz::encode_sparse_codebook(view, so);
  dcz::LevelsOptions lo;
  lo.gap_bits = gap_bits;
  lo.chunk_elements = set.chunk_elements;
  auto r2 = dcz::encode_levels(view, lo);
  using ContextSet = dcz::LevelsOptions::ContextSet;
  lo.context_set = ContextSet::kNeighbours;
  auto r_set0 = dcz::encode_levels(view, lo);
  lo.context_set = ContextSet::kColumnActivity;
  auto r_set1 = dcz::encode_levels(view, lo);
  if (!r1.is_ok() || !r2.is_ok() || !r_set0.is_ok() || !r_set1.is_ok()) return false;
  if (!r1->has_value() || !r2->has_value()) return true;
  const dcz::EncodedTensor& e1 = **r1;
  const dcz::EncodedTensor& e2 = **r2;
  const dcz::EncodedTensor* by_set[2] = {&**r_set0, &**r_set1};
  dcz::EncodedTensor dense = dcz::encode_tensor(view, gap_bits, [] {
                               dcz::EncodeOptions d;
                               d.mode = dcz::EncodeOptions::Mode::kDense;
                               return d;
                             }()).value();
  const std::uint64_t c1 = dcz::encoded_cost(e1), c2 = dcz::encoded_cost(e2);
  if (c1 >= dcz::encoded_cost(dense)) return true;  // not a sparse-codebook tensor
  std::uint64_t nonzeros = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 4) nonzeros += std::memcmp(&bytes[i], "\0\0\0\0", 4) != 0;

  std::vector<std::uint8_t> out(bytes.size());
  bool ok = true;
  const auto v1 = view_of(e1), v2 = view_of(e2);
  const double s1 = seconds_of(repeat, [&] {
    ok &= dcz::decode_sparse_codebook(v1, info.dtype, info.element_count(), out).is_ok();
  });
  ok &= out == bytes;
  const double s2 = seconds_of(repeat, [&] { ok &= dcz::decode_levels(v2, info.dtype, info.dims, out).is_ok(); });
  ok &= out == bytes;
  const double s2t = seconds_of(repeat, [&] {
    ok &= dcz::decode_levels(v2, info.dtype, info.dims, out, false, 2).is_ok();
  });
  ok &= out == bytes;
  for (int k = 0; k < 2; ++k) {
    const auto vk = view_of(*by_set[k]);
    t.set_seconds[k] += seconds_of(repeat, [&] { ok &= dcz::decode_levels(vk, info.dtype, info.dims, out).is_ok(); });
    ok &= out == bytes;
    t.set_bytes[k] += dcz::encoded_cost(*by_set[k]);
  }
  std::printf("  %-36s %10llu %6.2f%% %5zu  rep1 %9llu  set0 %9llu  set1 %9llu  levels %9llu (set %d, %+6.2f%%)\n",
              info.name.substr(0, 36).c_str(), static_cast<unsigned long long>(info.element_count()),
              100.0 * double(nonzeros) / double(info.element_count()),
              e1.streams[0].decoded_size / 4, static_cast<unsigned long long>(c1),
              static_cast<unsigned long long>(dcz::encoded_cost(*by_set[0])),
              static_cast<unsigned long long>(dcz::encoded_cost(*by_set[1])),
              static_cast<unsigned long long>(c2), int(e2.params[1]), 100.0 * (double(c2) / double(c1) - 1));
  ++t.tensors;
  t.elements += info.element_count();
  t.nonzeros += nonzeros;
  t.rep1 += c1;
  t.rep2 += c2;
  t.best += std::min(c1, c2);
  t.rep1_seconds += s1;
  t.rep2_seconds += s2;
  t.rep2_two_threads_seconds += s2t;
  return ok;
}

void print_totals(const char* label, const Totals& t) {
  auto rate = [](double n, double s) { return s > 0 ? n / s / 1e6 : 0.0; };
  std::printf("%s: %llu tensors, %llu weights, %llu nonzeros\n", label,
              static_cast<unsigned long long>(t.tensors), static_cast<unsigned long long>(t.elements),
              static_cast<unsigned long long>(t.nonzeros));
  std::printf("  size  rep1 %llu B, levels %llu B (%.2f%% of rep1), auto (smaller per tensor) %llu B (%.2f%%)\n",
              static_cast<unsigned long long>(t.rep1), static_cast<unsigned long long>(t.rep2),
              100.0 * double(t.rep2) / double(t.rep1), static_cast<unsigned long long>(t.best),
              100.0 * double(t.best) / double(t.rep1));
  std::printf("  decode rep1 (Huffman etc.) %.1f M elements/s %.1f M nonzeros/s | levels %.1f M elements/s "
              "%.1f M nonzeros/s | levels 2 threads %.1f M elements/s | levels / rep1 time %.2fx\n",
              rate(double(t.elements), t.rep1_seconds), rate(double(t.nonzeros), t.rep1_seconds),
              rate(double(t.elements), t.rep2_seconds), rate(double(t.nonzeros), t.rep2_seconds),
              rate(double(t.elements), t.rep2_two_threads_seconds), t.rep2_seconds / t.rep1_seconds);
  std::printf("  context sets: set 0 %llu B, set 1 %llu B (%.2f%% of set 0), smaller per tensor %llu B "
              "(%.2f%%) | decode set 0 %.1f M elements/s, set 1 %.1f M elements/s (set 1 / set 0 time %.2fx)\n",
              static_cast<unsigned long long>(t.set_bytes[0]), static_cast<unsigned long long>(t.set_bytes[1]),
              100.0 * double(t.set_bytes[1]) / double(t.set_bytes[0]), static_cast<unsigned long long>(t.rep2),
              100.0 * double(t.rep2) / double(t.set_bytes[0]), rate(double(t.elements), t.set_seconds[0]),
              rate(double(t.elements), t.set_seconds[1]), t.set_seconds[1] / t.set_seconds[0]);
}

}  // namespace

int main(int argc, char** argv) {
  Settings set;
  std::vector<std::string> models;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--grid") set.grid = true;
    else if (a == "--repeat" && i + 1 < argc) set.repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--chunk" && i + 1 < argc) set.chunk_elements = std::max(1ull, std::strtoull(argv[++i], nullptr, 10));
    else models.push_back(a);
  }
  if (models.empty()) {
    std::fprintf(stderr, "usage: bench_levels [--grid] [--repeat N] [--chunk ELEMENTS] MODEL.onnx ...\n");
    return 1;
  }
  Totals all;
  for (const std::string& path : models) {
    auto model = dcz::OnnxModel::load(path);
    if (!model.is_ok()) {
      std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
      return 2;
    }
    std::printf("%s%s\n", path.c_str(), set.grid ? " (weights snapped to a uniform grid)" : "");
    Totals t;
    for (std::size_t i = 0; i < model->tensor_count(); ++i) {
      const auto bytes = model->tensor_bytes(i);
      if (!run_tensor(model->tensor(i), {bytes.begin(), bytes.end()}, set, t)) {
        std::fprintf(stderr, "round trip failed on %s\n", model->tensor(i).name.c_str());
        return 70;
      }
    }
    print_totals("model", t);
    all.add(t);
  }
  if (models.size() > 1) print_totals("all models", all);
  return 0;
}
