// make_vgg16_model: writes a synthetic ONNX model with VGG-16's layer shapes (13 Conv + 3 Gemm,
// 138,357,544 parameters at full width) and He-initialised random weights, for the prune and
// quantize benchmarks. The weights (553 MB at full width) go to external data
// "<model file name>.data" beside the model, streamed in chunks, so the generator never holds
// the whole model in memory.
//
//   make_vgg16_model OUT.onnx [--width-divisor D] [--seed S]
//
// --width-divisor D divides every channel count and the fc widths by D (fc8 keeps 1000 classes),
// for smaller models of the same structure. Output is byte-identical for the same arguments.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// splitmix64: a tiny, portable, deterministic generator.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Box–Muller, both outputs used.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    const double t = 2.0 * M_PI * uniform();
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }

 private:
  std::uint64_t state_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

struct Writer {
  onnx::GraphProto* graph;
  std::ofstream data;
  std::string data_name;
  std::uint64_t offset = 0;
  Rng rng;

  // Streams n values ~ N(0, stddev) (stddev 0: zeros) as an external initializer.
  void tensor(const std::string& name, const std::vector<std::int64_t>& dims, double stddev) {
    std::uint64_t n = 1;
    for (auto d : dims) n *= static_cast<std::uint64_t>(d);
    const std::uint64_t padded = (offset + 63) / 64 * 64;  // 64-byte aligned tensors
    const std::vector<char> zeros(padded - offset, 0);
    data.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    offset = padded;
    std::vector<float> chunk;
    for (std::uint64_t done = 0; done < n;) {
      const std::uint64_t count = std::min<std::uint64_t>(n - done, 1 << 20);
      chunk.resize(count);
      for (float& v : chunk) v = static_cast<float>(rng.normal() * stddev);
      data.write(reinterpret_cast<const char*>(chunk.data()),
                 static_cast<std::streamsize>(count * sizeof(float)));
      done += count;
    }
    auto* t = graph->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto entry = [&](const char* key, const std::string& value) {
      auto* e = t->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    entry("location", data_name);
    entry("offset", std::to_string(offset));
    entry("length", std::to_string(n * sizeof(float)));
    offset += n * sizeof(float);
  }
};

onnx::NodeProto* node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                      std::vector<std::string> in, const std::string& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& s : in) n->add_input(s);
  n->add_output(out);
  return n;
}

void ints(onnx::NodeProto* n, const char* name, std::vector<std::int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}

void value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                const std::string& name, std::vector<std::int64_t> dims) {
  auto* v = list->Add();
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

int usage() {
  std::fputs("usage: make_vgg16_model OUT.onnx [--width-divisor D] [--seed S]\n", stderr);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::filesystem::path out = argv[1];
  std::int64_t divisor = 1;
  std::uint64_t seed = 16;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) return usage();
    const std::string flag = argv[i];
    const std::string_view value = argv[i + 1];
    std::uint64_t parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size()) return usage();
    if (flag == "--width-divisor") divisor = static_cast<std::int64_t>(std::min<std::uint64_t>(parsed, 65));
    else if (flag == "--seed") seed = parsed;
    else return usage();
  }
  if (divisor < 1 || divisor > 64) return usage();

  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("dcz make_vgg16_model");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("vgg16_synthetic");
  Writer w{g, std::ofstream(out.string() + ".data", std::ios::binary),
           out.filename().string() + ".data", 0, Rng(seed)};
  if (!w.data) {
    std::perror((out.string() + ".data").c_str());
    return 3;
  }
  value_info(g->mutable_input(), "input", {1, 3, 224, 224});

  const int blocks[5] = {2, 2, 3, 3, 3};
  const std::int64_t channels[5] = {64, 128, 256, 512, 512};
  std::int64_t in_c = 3;
  std::string x = "input";
  for (int b = 0; b < 5; ++b) {
    const std::int64_t c = channels[b] / divisor;
    for (int l = 0; l < blocks[b]; ++l) {
      const std::string name = "conv" + std::to_string(b + 1) + "_" + std::to_string(l + 1);
      w.tensor(name + ".weight", {c, in_c, 3, 3}, std::sqrt(2.0 / static_cast<double>(in_c * 9)));
      w.tensor(name + ".bias", {c}, 0.01);
      auto* conv = node(g, "Conv", name, {x, name + ".weight", name + ".bias"}, name + ".out");
      ints(conv, "kernel_shape", {3, 3});
      ints(conv, "pads", {1, 1, 1, 1});
      node(g, "Relu", "relu" + name.substr(4), {name + ".out"}, name + ".act");
      x = name + ".act";
      in_c = c;
    }
    auto* pool = node(g, "MaxPool", "pool" + std::to_string(b + 1), {x}, "pool" + std::to_string(b + 1));
    ints(pool, "kernel_shape", {2, 2});
    ints(pool, "strides", {2, 2});
    x = "pool" + std::to_string(b + 1);
  }
  node(g, "Flatten", "flatten", {x}, "flat");
  x = "flat";
  const std::int64_t fc_in[3] = {in_c * 7 * 7, 4096 / divisor, 4096 / divisor};
  const std::int64_t fc_out[3] = {4096 / divisor, 4096 / divisor, 1000};
  for (int f = 0; f < 3; ++f) {
    const std::string name = "fc" + std::to_string(f + 6);
    w.tensor(name + ".weight", {fc_out[f], fc_in[f]}, std::sqrt(2.0 / static_cast<double>(fc_in[f])));
    w.tensor(name + ".bias", {fc_out[f]}, 0.01);
    const std::string y = f == 2 ? "output" : name + ".out";
    auto* gemm = node(g, "Gemm", name, {x, name + ".weight", name + ".bias"}, y);
    auto* trans = gemm->add_attribute();
    trans->set_name("transB");
    trans->set_type(onnx::AttributeProto::INT);
    trans->set_i(1);
    x = y;
    if (f < 2) {
      node(g, "Relu", "relu" + std::to_string(f + 6), {y}, name + ".act");
      x = name + ".act";
    }
  }
  value_info(g->mutable_output(), "output", {1, 1000});

  w.data.close();
  std::ofstream model_file(out, std::ios::binary);
  if (!w.data || !model.SerializeToOstream(&model_file) || !model_file.flush()) {
    std::fprintf(stderr, "make_vgg16_model: writing %s failed\n", out.c_str());
    return 3;
  }
  std::fprintf(stderr, "make_vgg16_model: %s: %llu bytes of weights in %s\n", out.c_str(),
               static_cast<unsigned long long>(w.offset), w.data_name.c_str());
  return 0;
}
