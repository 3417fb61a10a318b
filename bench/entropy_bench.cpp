// Throughput of the stage-3 symbol coders on 25 M symbols drawn like quantized weights (a
// two-sided geometric distribution around the middle of a 5-bit or 8-bit alphabet), side by side:
// items/s are symbols/s; counters give the coded size in bits per symbol next to the order-0
// entropy of the data. Nothing here asserts a speed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "entropy/fixed_bits.h"
#include "entropy/huffman.h"
#include "entropy/levels.h"
#include "entropy/sparse_codebook.h"
#include "entropy/zstd_symbols.h"

namespace {

constexpr std::size_t kSymbols = 25'000'000;
constexpr int kZstdLevel = 19;

struct Data {
  std::uint32_t alphabet;
  unsigned bits;
  std::vector<std::uint16_t> symbols;
  double entropy_bits_per_symbol = 0;
};

const Data& data(unsigned bits) {
  static std::map<unsigned, Data> cache;
  auto it = cache.find(bits);
  if (it != cache.end()) return it->second;
  Data d{1u << bits, bits, std::vector<std::uint16_t>(kSymbols), 0};
  std::mt19937_64 rng(bits);
  std::geometric_distribution<int> geo(bits == 5 ? 0.25 : 0.04);
  std::vector<double> count(d.alphabet, 0);
  for (auto& s : d.symbols) {
    int v = int(d.alphabet / 2) + geo(rng) * ((rng() & 1) ? 1 : -1);
    s = std::uint16_t(std::clamp<int>(v, 0, int(d.alphabet) - 1));
    count[s] += 1;
  }
  for (double c : count) {
    if (c > 0) d.entropy_bits_per_symbol -= c / kSymbols * std::log2(c / kSymbols);
  }
  return cache.emplace(bits, std::move(d)).first->second;
}

void report(benchmark::State& state, const Data& d, std::size_t bytes) {
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(d.symbols.size()));
  state.counters["bits_per_symbol"] = double(bytes) * 8 / double(d.symbols.size());
  state.counters["entropy_bits"] = d.entropy_bits_per_symbol;
}

dcz::StreamView view(const std::vector<std::uint8_t>& bytes, dcz::StreamCoding coding,
                     std::uint16_t param, std::size_t n) {
  return dcz::StreamView{dcz::StreamRole::kIndices, coding, param, n, 0, bytes};
}

void BM_HuffmanEncode(benchmark::State& state) {
  const Data& d = data(unsigned(state.range(0)));
  std::size_t size = 0;
  for (auto _ : state) {
    auto bytes = dcz::entropy::huffman_encode(d.symbols, d.alphabet);
    size = bytes->size();
    benchmark::DoNotOptimize(bytes->data());
  }
  report(state, d, size);
}

void BM_HuffmanDecode(benchmark::State& state) {
  const Data& d = data(unsigned(state.range(0)));
  auto bytes = *dcz::entropy::huffman_encode(d.symbols, d.alphabet);
  std::vector<std::uint16_t> out(d.symbols.size());
  for (auto _ : state) {
    dcz::Status s = dcz::entropy::huffman_decode(
        view(bytes, dcz::StreamCoding::kHuffman, 0, out.size()), d.alphabet, out);
    if (!s.is_ok()) state.SkipWithError(s.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != d.symbols) state.SkipWithError("Huffman round trip differs");
  report(state, d, bytes.size());
}

void BM_FixedBitsDecode(benchmark::State& state) {
  const Data& d = data(unsigned(state.range(0)));
  auto bytes = dcz::entropy::fixed_bits_encode(d.symbols, d.bits);
  std::vector<std::uint16_t> out(d.symbols.size());
  for (auto _ : state) {
    dcz::Status s = dcz::entropy::fixed_bits_decode(
        view(bytes, dcz::StreamCoding::kFixedBits, std::uint16_t(d.bits), out.size()), d.alphabet,
        out);
    if (!s.is_ok()) state.SkipWithError(s.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != d.symbols) state.SkipWithError("fixed-bits round trip differs");
  report(state, d, bytes.size());
}

void BM_ZstdSymbolsDecode(benchmark::State& state) {
  const Data& d = data(unsigned(state.range(0)));
  auto bytes = *dcz::entropy::zstd_symbols_encode(d.symbols, 1, kZstdLevel);
  std::vector<std::uint16_t> out(d.symbols.size());
  for (auto _ : state) {
    dcz::Status s = dcz::entropy::zstd_symbols_decode(
        view(bytes, dcz::StreamCoding::kZstdSymbols, 1, out.size()), d.alphabet, out);
    if (!s.is_ok()) state.SkipWithError(s.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != d.symbols) state.SkipWithError("zstd round trip differs");
  report(state, d, bytes.size());
}

// A pruned, quantized fc layer: 25 M float32 weights, 9% nonzero, 32 shared values; whole-tensor
// decode (codebook, indices, positions, scatter) in elements/s.
struct SparseLayer {
  std::vector<std::uint8_t> bytes;
  std::vector<std::int64_t> dims{5000, 5000};
};
const SparseLayer& sparse_layer() {
  static SparseLayer layer = [] {
    SparseLayer l;
    l.bytes.resize(std::size_t(kSymbols) * 4, 0);
    std::mt19937_64 rng(9);
    std::bernoulli_distribution keep(0.09);
    std::normal_distribution<float> w(0.f, 0.05f);
    std::vector<float> centroids(32);
    for (auto& c : centroids) c = w(rng);
    for (std::size_t i = 0; i < kSymbols; ++i) {
      if (!keep(rng)) continue;
      float v = centroids[std::min<std::size_t>(31, std::size_t(std::abs(w(rng)) * 200))];
      std::memcpy(l.bytes.data() + 4 * i, &v, 4);
    }
    return l;
  }();
  return layer;
}

void BM_SparseTensorDecode(benchmark::State& state) {
  const SparseLayer& layer = sparse_layer();
  dcz::TensorView t{dcz::DType::kFloat32, layer.dims, layer.bytes};
  dcz::SparseCodebookOptions o;
  o.positions = dcz::SparseCodebookOptions::Positions(state.range(0));
  o.entropy = dcz::SparseCodebookOptions::Entropy(state.range(1));
  auto e = **dcz::encode_sparse_codebook(t, o);
  dcz::EncodedTensorView v{e.representation, e.params, {}};
  for (const auto& s : e.streams) {
    v.streams.push_back({s.role, s.coding, s.param, s.decoded_size, 0, s.bytes});
  }
  std::vector<std::uint8_t> out(layer.bytes.size());
  for (auto _ : state) {
    dcz::Status s = dcz::decode_sparse_codebook(v, dcz::DType::kFloat32, kSymbols, out);
    if (!s.is_ok()) state.SkipWithError(s.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != layer.bytes) state.SkipWithError("sparse round trip differs");
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(kSymbols));
  state.counters["stored_bits_per_weight"] = double(e.stored_size()) * 8 / double(kSymbols);
}

// The same layer as representation 2 (levels, SPEC 6.10): one context-coded level per element,
// decoded with 1 or 2 threads (its 64 chunks decode independently). Same items (elements/s) as
// BM_SparseTensorDecode, so the two read side by side; "nonzeros_per_s" counts the 9% nonzeros.
void BM_LevelsTensorDecode(benchmark::State& state) {
  const SparseLayer& layer = sparse_layer();
  dcz::TensorView t{dcz::DType::kFloat32, layer.dims, layer.bytes};
  auto e = **dcz::encode_levels(t, {});
  dcz::EncodedTensorView v{e.representation, e.params, {}};
  for (const auto& s : e.streams) {
    v.streams.push_back({s.role, s.coding, s.param, s.decoded_size, 0, s.bytes});
  }
  std::vector<std::uint8_t> out(layer.bytes.size());
  for (auto _ : state) {
    dcz::Status s = dcz::decode_levels(v, dcz::DType::kFloat32, layer.dims, out, false,
                                       unsigned(state.range(0)));
    if (!s.is_ok()) state.SkipWithError(s.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != layer.bytes) state.SkipWithError("levels round trip differs");
  std::uint64_t nonzeros = 0;
  for (std::size_t i = 0; i < layer.bytes.size(); i += 4) nonzeros += std::memcmp(&layer.bytes[i], "\0\0\0\0", 4) != 0;
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(kSymbols));
  state.counters["nonzeros_per_s"] =
      benchmark::Counter(double(state.iterations()) * double(nonzeros), benchmark::Counter::kIsRate);
  state.counters["stored_bits_per_weight"] = double(e.stored_size()) * 8 / double(kSymbols);
}

// The same layer through the whole encoder with every option on auto (zstd level 19 candidates
// included): the cost of choosing by actual size.
void BM_SparseTensorEncodeAuto(benchmark::State& state) {
  const SparseLayer& layer = sparse_layer();
  dcz::TensorView t{dcz::DType::kFloat32, layer.dims, layer.bytes};
  std::uint64_t stored = 0;
  for (auto _ : state) {
    auto e = dcz::encode_sparse_codebook(t, {});
    stored = (*e)->stored_size();
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(kSymbols));
  state.counters["stored_bits_per_weight"] = double(stored) * 8 / double(kSymbols);
}

BENCHMARK(BM_HuffmanEncode)->Arg(5)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HuffmanDecode)->Arg(5)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixedBitsDecode)->Arg(5)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZstdSymbolsDecode)->Arg(5)->Arg(8)->Unit(benchmark::kMillisecond);
// {positions, entropy}: positions 1 paper gaps, 2 escape gaps, 3 bitmap; entropy 1 Huffman,
// 2 fixed bits (the bitmap in fixed bits is the plain 1-bit bitmap, read in place).
BENCHMARK(BM_SparseTensorDecode)
    ->Args({1, 1})->Args({2, 1})->Args({3, 1})->Args({1, 2})->Args({3, 2})
    ->Unit(benchmark::kMillisecond);
// Two threads: wall time (the CPU time of the main thread would only count its own chunks).
BENCHMARK(BM_LevelsTensorDecode)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LevelsTensorDecode)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SparseTensorEncodeAuto)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
