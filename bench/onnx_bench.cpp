// Throughput of the ONNX adapter on a 42 MB MLP (float32 weights in raw_data, and the same model
// with every weight in float_data), side by side with protobuf's own parse/serialize of the same
// bytes, which is the floor the adapter adds its work to. bytes/s are model bytes per second.
// Nothing here asserts a speed.
#include <benchmark/benchmark.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace {

using dcz::OnnxModel;
using dcz::test::as_span;

const std::string& raw_model() {
  static const std::string bytes = dcz::test::make_mlp_model({2048, 2048, 2048, 1000}, 1);
  return bytes;
}

// The same model with every initializer in float_data (as hand-made models store it).
const std::string& typed_model() {
  static const std::string bytes = [] {
    onnx::ModelProto p;
    p.ParseFromString(raw_model());
    for (auto& t : *p.mutable_graph()->mutable_initializer()) {
      const std::string raw = t.raw_data();
      t.clear_raw_data();
      auto* f = t.mutable_float_data();
      f->Resize(static_cast<int>(raw.size() / 4), 0.0f);
      std::memcpy(f->mutable_data(), raw.data(), raw.size());
    }
    std::string s;
    p.SerializeToString(&s);
    return s;
  }();
  return bytes;
}

const std::string& model_bytes(std::int64_t typed) { return typed ? typed_model() : raw_model(); }

OnnxModel parsed(const std::string& bytes) {
  auto m = OnnxModel::parse(as_span(bytes), {}, "bench");
  if (!m) throw std::runtime_error(m.status().to_string());
  return std::move(m).value();
}

void set_bytes(benchmark::State& state, std::size_t n) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}

void BM_ProtobufParse(benchmark::State& state) {
  const std::string& bytes = model_bytes(state.range(0));
  for (auto _ : state) {
    onnx::ModelProto p;
    benchmark::DoNotOptimize(p.ParseFromString(bytes));
  }
  set_bytes(state, bytes.size());
}

void BM_AdapterParse(benchmark::State& state) {
  const std::string& bytes = model_bytes(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(parsed(bytes).tensor_count());
  set_bytes(state, bytes.size());
}

void BM_ProtobufSerialize(benchmark::State& state) {
  const std::string& bytes = model_bytes(state.range(0));
  onnx::ModelProto p;
  p.ParseFromString(bytes);
  for (auto _ : state) {
    std::string out;
    benchmark::DoNotOptimize(p.SerializeToString(&out));
  }
  set_bytes(state, bytes.size());
}

void BM_AdapterSerialize(benchmark::State& state) {
  const std::string& bytes = model_bytes(state.range(0));
  OnnxModel m = parsed(bytes);
  for (auto _ : state) benchmark::DoNotOptimize(m.serialize().is_ok());
  set_bytes(state, bytes.size());
}

void BM_SkeletonSerialize(benchmark::State& state) {
  OnnxModel m = parsed(raw_model());
  std::size_t size = 0;
  for (auto _ : state) {
    auto s = m.serialize_skeleton();
    size = s->size();
  }
  state.counters["skeleton_bytes"] = static_cast<double>(size);
}

void BM_SkeletonFill(benchmark::State& state) {
  OnnxModel m = parsed(raw_model());
  const std::string skeleton = *m.serialize_skeleton();
  for (auto _ : state) {
    auto s = OnnxModel::parse_skeleton(as_span(skeleton), "skeleton");
    for (std::size_t i = 0; i < s->tensor_count(); ++i) {
      const auto src = m.tensor_bytes(i);
      auto dst = s->allocate_tensor(i, src.size());
      std::memcpy(dst->data(), src.data(), src.size());
    }
    benchmark::DoNotOptimize(s->tensor_count());
  }
  set_bytes(state, raw_model().size());
}

std::filesystem::path bench_dir() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("dcz-onnx-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

void BM_SaveLoad(benchmark::State& state) {
  OnnxModel m = parsed(raw_model());
  dcz::OnnxSaveOptions options;
  options.external_data = state.range(0) != 0;
  const auto path = bench_dir() / (options.external_data ? "ext.onnx" : "inline.onnx");
  for (auto _ : state) {
    if (!m.save(path, options)) state.SkipWithError("save failed");
    auto back = OnnxModel::load(path);
    if (!back) state.SkipWithError("load failed");
  }
  set_bytes(state, raw_model().size());
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + ".data");
}

void BM_RealModelLoad(benchmark::State& state) {
  const std::filesystem::path path =
      std::filesystem::path(DCZ_SHARED_DIR) / "models" / "cifar10_resnet56.onnx";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("cifar10_resnet56.onnx not present");
    return;
  }
  for (auto _ : state) {
    auto m = OnnxModel::load(path);
    if (!m) state.SkipWithError("load failed");
  }
  set_bytes(state, std::filesystem::file_size(path));
}

BENCHMARK(BM_ProtobufParse)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdapterParse)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProtobufSerialize)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdapterSerialize)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SkeletonSerialize)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SkeletonFill)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SaveLoad)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RealModelLoad)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
