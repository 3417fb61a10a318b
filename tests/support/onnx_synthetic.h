// Synthetic ONNX models for tests: built in memory with the onnx protobuf classes, valid for
// onnx::checker, deterministic for a given seed (own RNG code, no std:: distributions).
// Link target: dcz_test_support (tests/onnx/tests.cmake).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace dcz::test {

// Deterministic random numbers: std::mt19937_64 words turned into values with explicit code so
// results do not depend on the standard library's distributions.
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next_u64() { return engine_(); }
  double uniform();        // [0, 1) with 53 random bits
  double normal();         // standard normal (Box–Muller)
  float normal_float(float stddev) { return static_cast<float>(normal() * stddev); }

 private:
  std::mt19937_64 engine_;
};

inline std::span<const std::uint8_t> as_span(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One initializer per dtype and storage form: "<dtype>_raw" in raw_data and "<dtype>_typed" in
// the dtype's typed field (strings: "string_typed" only). Values include NaN payloads (quiet and
// signalling), -0.0, subnormals, infinities and the extremes of each integer type.
std::string make_all_dtypes_model();

// Constant nodes (main graph and subgraphs), an If with then/else graphs holding an initializer
// and a Constant, a Loop whose body has an initializer and consumes an outer-scope Constant, and
// a model-local function with a Constant inside.
std::string make_constant_and_subgraph_model();

// Two sparse initializers (one raw, one typed storage) consumed by Add nodes.
std::string make_sparse_initializer_model();

// A model referencing one external tensor "w" (float32 [4]) at `location` / `offset` / `length`
// (length omitted when nullopt), used by the rejection tests.
std::string make_external_reference_model(const std::string& location, std::uint64_t offset,
                                          std::optional<std::uint64_t> length);

// Writes "<dir>/model.onnx" whose tensors "w1" (float32 [4,8]) and "w2" (float32 [8]) live in
// "<dir>/weights.bin" at offsets 0 and 192 (and "bias" stays inline). Returns the model path.
std::filesystem::path write_external_data_model(const std::filesystem::path& dir);
// The values write_external_data_model stores for w1 (32 floats) and w2 (8 floats).
std::vector<float> external_model_w1();
std::vector<float> external_model_w2();

// An MLP: input "input" [N, sizes[0]], Gemm layers "fc<i>" with weights "fc<i>.weight"
// [sizes[i+1], sizes[i]] (transB=1) ~ N(0, 1/sqrt(fan_in)) and biases "fc<i>.bias" ~ N(0, 0.1),
// Relu between layers, output "output". Needs at least two sizes.
std::string make_mlp_model(const std::vector<int>& sizes, std::uint64_t seed);

struct ConvModelOptions {
  int in_channels = 3;
  int out_channels = 8;
  int kernel = 3;
  int image_size = 8;
  int classes = 10;
  std::uint64_t seed = 1;
};
// Conv "conv1" (weight "conv1.weight" [oc, ic, k, k], bias "conv1.bias") → BatchNormalization
// "bn1" (bn1.scale/.bias/.mean/.var) → Relu → GlobalAveragePool → Flatten → Gemm "fc"
// (fc.weight [classes, oc], fc.bias). Input "input" [N, ic, s, s], output "output".
std::string make_conv_model(const ConvModelOptions& options = {});

}  // namespace dcz::test
