// dcz-encode -> dcz-decode gives back the same model: every tensor bit-identical, graph, metadata,
// opsets and doc strings equal, typed storage restored. Covered for synthetic models of every
// kind, the sample models and the shared real models, dense and sparse + codebook.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

OnnxModel parse_or_die(const std::string& bytes) {
  auto m = OnnxModel::parse(test::as_span(bytes), {}, "synthetic");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

// Encodes, decodes and compares; returns the encoded bytes.
std::vector<std::uint8_t> expect_round_trip(const OnnxModel& model, const EncodeOptions& o,
                                            const std::string& what) {
  auto bytes = encode_model(model, o);
  EXPECT_TRUE(bytes.is_ok()) << what << ": " << bytes.status().to_string();
  if (!bytes.is_ok()) return {};
  auto back = decode_model(*bytes, what);
  EXPECT_TRUE(back.is_ok()) << what << ": " << back.status().to_string();
  if (!back.is_ok()) return {};
  EXPECT_EQ(model.first_difference(*back), "") << what;
  auto a = model.serialize();
  auto b = back->serialize();
  EXPECT_TRUE(a.is_ok() && b.is_ok());
  if (a.is_ok() && b.is_ok()) EXPECT_TRUE(*a == *b) << what << ": serialized models differ";
  return std::move(bytes).value();
}

EncodeOptions dense() {
  EncodeOptions o;
  o.mode = EncodeOptions::Mode::kDense;
  return o;
}

TEST(ModelRoundTrip, AllDtypesRawAndTyped) {
  const OnnxModel m = parse_or_die(test::make_all_dtypes_model());
  expect_round_trip(m, dense(), "all dtypes, dense");
  expect_round_trip(m, {}, "all dtypes, auto");
}

TEST(ModelRoundTrip, ConstantNodesSubgraphsFunctions) {
  const OnnxModel m = parse_or_die(test::make_constant_and_subgraph_model());
  expect_round_trip(m, dense(), "subgraphs, dense");
  expect_round_trip(m, {}, "subgraphs, auto");
}

TEST(ModelRoundTrip, SparseInitializers) {
  const OnnxModel m = parse_or_die(test::make_sparse_initializer_model());
  expect_round_trip(m, {}, "sparse_initializer");
}

TEST(ModelRoundTrip, ExternalDataIsDecodedInline) {
  const fs::path dir = fs::temp_directory_path() / ("dcz_model_ext_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto m = OnnxModel::load(test::write_external_data_model(dir));
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  auto bytes = encode_model(*m, {});
  ASSERT_TRUE(bytes.is_ok());
  auto back = decode_model(*bytes, "ext");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  for (std::size_t i = 0; i < m->tensor_count(); ++i) {
    const auto a = m->tensor_bytes(i), b = back->tensor_bytes(i);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << m->tensor(i).name;
  }
  fs::remove_all(dir);
}

// Prunes and quantizes by hand (independently of dcz-prune / dcz-quantize) so the sparse +
// codebook representation is exercised on realistic layers.
void prune_and_share(OnnxModel& m, double keep, int levels_per_unit) {
  const float step = 1.0f / static_cast<float>(levels_per_unit);
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).dtype != DType::kFloat32 || m.tensor(i).dims.size() < 2) continue;
    auto b = m.mutable_tensor_bytes(i);
    for (std::size_t k = 0; k + 4 <= b.size(); k += 4) {
      float v;
      std::memcpy(&v, &b[k], 4);
      const std::uint32_t h = static_cast<std::uint32_t>(k * 2654435761u) >> 8;
      float q = std::round(v / step);
      if (q == 0.0f) q = v < 0 ? -1.0f : 1.0f;  // kept weights stay nonzero
      v = (double(h % 1000) / 1000.0 >= keep) ? 0.0f : q * step;
      std::memcpy(&b[k], &v, 4);
    }
  }
}

TEST(ModelRoundTrip, PrunedQuantizedMlpUsesSparseCodebookAndIsSmaller) {
  OnnxModel m = parse_or_die(test::make_mlp_model({784, 300, 100, 10}, 7));
  prune_and_share(m, 0.1, 256);
  const auto sparse = expect_round_trip(m, {}, "pruned mlp");
  const auto plain = expect_round_trip(m, dense(), "pruned mlp dense");
  EXPECT_LT(sparse.size() * 3, plain.size() * 2);  // at least 1.5x below zstd of the dense bytes
  auto c = read_container(sparse, "m");
  ASSERT_TRUE(c.is_ok());
  int sparse_tensors = 0;
  for (const auto& t : c->tensors) sparse_tensors += t.representation == Representation::kSparseCodebook;
  EXPECT_GE(sparse_tensors, 2);  // at least fc1 and fc2; a tiny fc3 may be cheaper dense
}

TEST(ModelRoundTrip, EveryEntropyAndPositionOption) {
  OnnxModel m = parse_or_die(test::make_conv_model({}));
  prune_and_share(m, 0.3, 64);
  for (int e = 0; e <= static_cast<int>(EncodeOptions::Entropy::kAdaptive); ++e) {
    for (int p = 0; p < 4; ++p) {
      EncodeOptions o;
      o.entropy = static_cast<EncodeOptions::Entropy>(e);
      o.positions = static_cast<EncodeOptions::Positions>(p);
      expect_round_trip(m, o, "conv e" + std::to_string(e) + " p" + std::to_string(p));
    }
  }
}

TEST(ModelRoundTrip, OutputDoesNotDependOnThreadCount) {
  OnnxModel m = parse_or_die(test::make_mlp_model({256, 128, 64, 10}, 3));
  prune_and_share(m, 0.2, 256);
  std::vector<std::vector<std::uint8_t>> outs;
  for (unsigned t : {1u, 2u, 3u, 8u}) {
    EncodeOptions o;
    o.threads = t;
    auto b = encode_model(m, o);
    ASSERT_TRUE(b.is_ok());
    outs.push_back(std::move(b).value());
  }
  for (const auto& o : outs) EXPECT_EQ(o, outs[0]);
}

void round_trip_folder(const fs::path& dir) {
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " not present";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".onnx") continue;
    auto m = OnnxModel::load(e.path());
    ASSERT_TRUE(m.is_ok()) << e.path() << ": " << m.status().to_string();
    expect_round_trip(*m, {}, e.path().string());
    OnnxModel pruned = std::move(m).value();
    prune_and_share(pruned, 0.1, 256);
    expect_round_trip(pruned, {}, e.path().string() + " pruned+shared");
    ++n;
  }
  EXPECT_GT(n, 0) << "no .onnx in " << dir;
}

TEST(ModelRoundTrip, SampleModels) { round_trip_folder(DCZ_SOURCE_DIR "/samples"); }
TEST(ModelRoundTrip, SharedModels) { round_trip_folder(DCZ_SHARED_DIR "/models"); }

TEST(ModelDecode, TensorCountMismatchIsRejected) {
  const OnnxModel m = parse_or_die(test::make_mlp_model({8, 4, 2}, 1));
  const OnnxModel other = parse_or_die(test::make_mlp_model({8, 4, 4, 2}, 1));
  // Splice: the skeleton of `other` with the tensor table of `m`.
  auto skel = other.serialize_skeleton();
  ASSERT_TRUE(skel.is_ok());
  VectorSink sink;
  ContainerWriter w(sink);
  ASSERT_TRUE(w.begin(test::as_span(*skel), 3).is_ok());
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    TensorHeader h{m.tensor(i).name, m.tensor(i).dtype, m.tensor(i).dims, 0, m.tensor_bytes(i).size()};
    EncodedTensor e;
    EncodedStream s;
    s.decoded_size = h.byte_size;
    s.bytes.assign(m.tensor_bytes(i).begin(), m.tensor_bytes(i).end());
    e.streams.push_back(std::move(s));
    ASSERT_TRUE(w.add_tensor(h, e).is_ok());
  }
  ASSERT_TRUE(w.finish().is_ok());
  auto back = decode_model(sink.bytes(), "spliced.dcz");
  ASSERT_FALSE(back.is_ok());
  EXPECT_EQ(back.status().code(), ErrorCode::kBadTensorEntry) << back.status().to_string();
}

TEST(ModelDecode, GarbageSkeletonIsBadOnnx) {
  VectorSink sink;
  ContainerWriter w(sink);
  const std::uint8_t junk[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  ASSERT_TRUE(w.begin(junk, 3).is_ok());
  ASSERT_TRUE(w.finish().is_ok());
  auto back = decode_model(sink.bytes(), "junk.dcz");
  ASSERT_FALSE(back.is_ok());
  EXPECT_EQ(back.status().code(), ErrorCode::kBadOnnx) << back.status().to_string();
}

}  // namespace
}  // namespace dcz
