// decode_model on models large enough for its helper threads (several MiB of tensors): the result
// is the encoded model bit for bit, string and typed tensors included, and a bad file gives the
// same error on every run, whichever thread met which problem first.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <string>
#include <vector>

#include "dcz/codec.h"
#include "dcz/container.h"
#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

constexpr int kBigRows = 640;
constexpr int kBigCols = 1024;  // 2.5 MiB of float32 per big tensor

// A pruned, weight-shared-looking matrix: ~10 % nonzeros from 40 values, deterministic.
void add_big_initializer(onnx::GraphProto& g, const std::string& name, std::uint64_t seed,
                         int rows = kBigRows) {
  test::TestRng rng(seed);
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(rows);
  t->add_dims(kBigCols);
  std::string raw(std::size_t(rows) * kBigCols * 4, '\0');
  for (std::size_t i = 0; i < std::size_t(rows) * kBigCols; ++i) {
    if (rng.uniform() >= 0.1) continue;
    const float v = float(int(rng.next_u64() % 40) - 20) * 0.01f;
    std::memcpy(&raw[i * 4], &v, 4);
  }
  t->set_raw_data(raw);
}

// Every dtype in raw and typed storage (strings too) plus `big` large float tensors and `huge`
// ones of 6 MiB (on huge-page backed storage when decoded).
OnnxModel big_model(int big, int huge = 0) {
  onnx::ModelProto m;
  const std::string base = test::make_all_dtypes_model();
  EXPECT_TRUE(m.ParseFromString(base));
  for (int i = 0; i < big; ++i) {
    add_big_initializer(*m.mutable_graph(), "big" + std::to_string(i), 10 + i);
  }
  for (int i = 0; i < huge; ++i) {
    add_big_initializer(*m.mutable_graph(), "huge" + std::to_string(i), 20 + i, 1536);
  }
  const std::string bytes = m.SerializeAsString();
  auto parsed = OnnxModel::parse(test::as_span(bytes), {}, "big");
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  return std::move(parsed).value();
}

TEST(DecodeThreads, LargeModelRoundTripsExactly) {
  const OnnxModel model = big_model(3);
  auto file = encode_model(model, {});
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto c = read_container(*file, "big.dcz");
  ASSERT_TRUE(c.is_ok());
  int sparse = 0;
  for (const auto& e : c->tensors) sparse += e.representation != Representation::kDense;
  EXPECT_GE(sparse, 3);  // the big tensors are not stored dense
  for (int run = 0; run < 5; ++run) {
    auto back = decode_model(*file, "big.dcz");
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(model.first_difference(*back), "");
    auto a = model.serialize();
    auto b = back->serialize();
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_TRUE(*a == *b) << "serialized models differ (typed storage not restored?)";
  }
}

// Tensors are decoded into storage that is not cleared first: on a heap full of freed garbage of
// every tensor's size (which the decode's allocations then reuse) the model still comes back bit
// for bit, small tensors and huge-page backed ones alike.
TEST(DecodeThreads, DirtyHeapDecodesExactly) {
  const OnnxModel model = big_model(2, 1);
  auto file = encode_model(model, {});
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  for (int run = 0; run < 3; ++run) {
    {
      std::vector<std::string> garbage;
      for (int copy = 0; copy < 2; ++copy) {
        for (std::size_t i = 0; i < model.tensor_count(); ++i) {
          garbage.emplace_back(model.tensor_bytes(i).size(), char(0xCD + run));
        }
      }
    }
    auto back = decode_model(*file, "big.dcz");
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(model.first_difference(*back), "");
  }
}

// Tensors 1 and 3 (in table order) are corrupt; the error is tensor 1's on every run, although
// the tensors are decoded largest first by two threads.
TEST(DecodeThreads, FirstBadTensorInTableOrderIsReported) {
  const OnnxModel model = big_model(4);
  auto skeleton = model.serialize_skeleton();
  ASSERT_TRUE(skeleton.is_ok());
  VectorSink sink;
  ContainerWriter w(sink);
  ASSERT_TRUE(w.begin(test::as_span(*skeleton), 3).is_ok());
  std::vector<std::size_t> big;
  for (std::size_t i = 0; i < model.tensor_count(); ++i) {
    if (model.tensor(i).name.rfind("big", 0) == 0) big.push_back(i);
  }
  ASSERT_EQ(big.size(), 4u);
  for (std::size_t i = 0; i < model.tensor_count(); ++i) {
    const TensorInfo& info = model.tensor(i);
    TensorHeader h{info.name, info.dtype, info.dims, std::uint8_t(info.typed_storage ? 1 : 0),
                   model.tensor_bytes(i).size()};
    EncodedTensor e;
    EncodedStream s;
    s.decoded_size = h.byte_size;
    s.bytes.assign(model.tensor_bytes(i).begin(), model.tensor_bytes(i).end());
    if (i == big[1] || i == big[3]) {  // a zstd stream that is not a zstd frame
      s.coding = StreamCoding::kZstd;
      s.bytes.assign(64, 0xA5);
    }
    e.streams.push_back(std::move(s));
    ASSERT_TRUE(w.add_tensor(h, e).is_ok());
  }
  ASSERT_TRUE(w.finish().is_ok());
  const std::string want = "tensor " + std::to_string(big[1]) + " 'big1'";
  for (int run = 0; run < 10; ++run) {
    auto back = decode_model(sink.bytes(), "corrupt.dcz");
    ASSERT_FALSE(back.is_ok());
    EXPECT_EQ(back.status().code(), ErrorCode::kBadCompressedData);
    EXPECT_NE(back.status().to_string().find(want), std::string::npos)
        << back.status().to_string();
  }
}

}  // namespace
}  // namespace dcz
