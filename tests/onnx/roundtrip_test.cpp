// load → serialize → load equality, typed storage preserved bit-exactly, determinism.
#include <cstring>
#include <fstream>

#include "onnx/test_util.h"

namespace dcz::test {
namespace {

class SyntheticRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(SyntheticRoundTrip, SerializeReproducesCanonicalBytes) {
  const std::string input = synthetic_model(GetParam());
  OnnxModel m = parse_or_die(input);
  auto out = m.serialize();
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  // Typed fields went back to the same field, raw_data to raw_data, bit-exactly.
  EXPECT_EQ(*out, canonical(input));
}

TEST_P(SyntheticRoundTrip, ReloadIsEqual) {
  OnnxModel a = parse_or_die(synthetic_model(GetParam()));
  auto out = a.serialize();
  ASSERT_TRUE(out.is_ok());
  OnnxModel b = parse_or_die(*out);
  EXPECT_EQ(a.first_difference(b), "");
  EXPECT_EQ(b.first_difference(a), "");
}

TEST_P(SyntheticRoundTrip, SerializeIsDeterministic) {
  OnnxModel m = parse_or_die(synthetic_model(GetParam()));
  auto s1 = m.serialize();
  auto s2 = m.serialize();
  auto k1 = m.serialize_skeleton();
  auto k2 = m.serialize_skeleton();
  ASSERT_TRUE(s1.is_ok() && s2.is_ok() && k1.is_ok() && k2.is_ok());
  EXPECT_EQ(*s1, *s2);
  EXPECT_EQ(*k1, *k2);
}

INSTANTIATE_TEST_SUITE_P(Models, SyntheticRoundTrip,
                         ::testing::ValuesIn(synthetic_model_names()));

TEST(AllDtypes, EveryDtypeIsListedInBothStorages) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  for (const char* d : {"float32", "float16", "bfloat16", "float64", "int8", "uint8", "int16",
                        "uint16", "int32", "uint32", "int64", "uint64", "bool", "complex64",
                        "complex128"}) {
    const auto raw = find_tensor(m, std::string(d) + "_raw");
    const auto typed = find_tensor(m, std::string(d) + "_typed");
    EXPECT_EQ(dtype_name(m.tensor(raw).dtype), d);
    EXPECT_FALSE(m.tensor(raw).typed_storage) << d;
    EXPECT_TRUE(m.tensor(typed).typed_storage) << d;
    // Both storages hold the same values, so the raw bytes agree.
    const auto a = m.tensor_bytes(raw);
    const auto b = m.tensor_bytes(typed);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << d;
  }
}

TEST(AllDtypes, FloatBitPatternsSurvive) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto bytes = m.tensor_bytes(find_tensor(m, "float32_typed"));
  ASSERT_EQ(bytes.size(), 12u * 4);
  std::uint32_t v[12];
  std::memcpy(v, bytes.data(), sizeof v);
  EXPECT_EQ(v[1], 0x80000000u);  // -0.0
  EXPECT_EQ(v[2], 0x00000001u);  // smallest subnormal
  EXPECT_EQ(v[6], 0x7fc12345u);  // quiet NaN with payload
  EXPECT_EQ(v[7], 0x7f800001u);  // signalling NaN
}

TEST(AllDtypes, NarrowIntegersAreLittleEndianTwosComplement) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto i8 = m.tensor_bytes(find_tensor(m, "int8_typed"));
  ASSERT_EQ(i8.size(), 6u);
  EXPECT_EQ(i8[0], 0x80);
  EXPECT_EQ(i8[2], 0xff);
  const auto u32 = m.tensor_bytes(find_tensor(m, "uint32_typed"));
  ASSERT_EQ(u32.size(), 16u);
  std::uint32_t v;
  std::memcpy(&v, u32.data() + 4, 4);
  EXPECT_EQ(v, 0xffffffffu);
}

TEST(AllDtypes, StringLayoutIsLengthPrefixed) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto i = find_tensor(m, "string_typed");
  EXPECT_EQ(m.tensor(i).dtype, DType::kString);
  EXPECT_TRUE(m.tensor(i).typed_storage);
  const auto b = m.tensor_bytes(i);
  ASSERT_EQ(b.size(), 4u * 4 + 0 + 5 + 5 + 300);
  EXPECT_EQ(b[0], 0);        // "" has length 0
  EXPECT_EQ(b[4], 5);        // "hello"
  EXPECT_EQ(b[8], 'h');
  EXPECT_EQ(b[13], 5);       // "\0bin\xff"
  EXPECT_EQ(b[17], 0);
  EXPECT_EQ(b[21], 0xff);
}

TEST(AllDtypes, ScalarAndEmptyTensors) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto s = find_tensor(m, "scalar_float_raw");
  EXPECT_TRUE(m.tensor(s).dims.empty());
  EXPECT_EQ(m.tensor(s).element_count(), 1u);
  EXPECT_EQ(m.tensor_bytes(s).size(), 4u);
  EXPECT_EQ(m.tensor_bytes(find_tensor(m, "empty_float_raw")).size(), 0u);
  EXPECT_EQ(m.tensor_bytes(find_tensor(m, "empty_int64_typed")).size(), 0u);
}

TEST(Mutation, ChangedBytesGoBackToTypedField) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto i = find_tensor(m, "int8_typed");
  auto bytes = m.mutable_tensor_bytes(i);
  ASSERT_EQ(bytes.size(), 6u);
  bytes[5] = 0x81;  // -127
  auto out = m.serialize();
  ASSERT_TRUE(out.is_ok());
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(*out));
  const onnx::TensorProto* t = nullptr;
  for (const auto& init : p.graph().initializer()) {
    if (init.name() == "int8_typed") t = &init;
  }
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->has_raw_data());
  ASSERT_EQ(t->int32_data_size(), 6);
  EXPECT_EQ(t->int32_data(5), -127);
  EXPECT_EQ(t->int32_data(0), -128);
}

TEST(Mutation, SetTensorBytesChecksSize) {
  OnnxModel m = parse_or_die(make_mlp_model({4, 3}, 1));
  const auto w = find_tensor(m, "fc0.weight");
  std::vector<std::uint8_t> wrong(11);
  EXPECT_EQ(m.set_tensor_bytes(w, wrong).code(), ErrorCode::kBadSize);
  std::vector<std::uint8_t> right(48, 0);
  EXPECT_TRUE(m.set_tensor_bytes(w, right).is_ok());
  EXPECT_EQ(m.tensor_bytes(w).size(), 48u);
  EXPECT_EQ(m.set_tensor_bytes(99, right).code(), ErrorCode::kInvalidArgument);
}

TEST(Mutation, SetStringBytesRejectsTruncation) {
  OnnxModel m = parse_or_die(make_all_dtypes_model());
  const auto i = find_tensor(m, "string_typed");
  std::vector<std::uint8_t> good(m.tensor_bytes(i).begin(), m.tensor_bytes(i).end());
  std::vector<std::uint8_t> truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(m.set_tensor_bytes(i, truncated).code(), ErrorCode::kBadSize);
  std::vector<std::uint8_t> trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(m.set_tensor_bytes(i, trailing).code(), ErrorCode::kBadSize);
  std::vector<std::uint8_t> cut_prefix(good.begin(), good.begin() + 2);
  EXPECT_EQ(m.set_tensor_bytes(i, cut_prefix).code(), ErrorCode::kBadSize);
  // Four new strings of other lengths.
  std::vector<std::uint8_t> other = {1, 0, 0, 0, 'a', 0, 0, 0, 0, 2, 0, 0, 0, 'b', 'c',
                                     0, 0, 0, 0};
  ASSERT_TRUE(m.set_tensor_bytes(i, other).is_ok());
  auto out = m.serialize();
  ASSERT_TRUE(out.is_ok());
  OnnxModel back = parse_or_die(*out);
  const auto j = find_tensor(back, "string_typed");
  const auto b = back.tensor_bytes(j);
  EXPECT_TRUE(std::equal(b.begin(), b.end(), other.begin(), other.end()));
}

TEST(FirstDifference, NamesTheDifferingTensorAndByte) {
  OnnxModel a = parse_or_die(make_mlp_model({4, 3}, 1));
  OnnxModel b = parse_or_die(make_mlp_model({4, 3}, 1));
  EXPECT_EQ(a.first_difference(b), "");
  const auto i = find_tensor(b, "fc0.bias");
  b.mutable_tensor_bytes(i)[5] ^= 0x01;
  const std::string d = a.first_difference(b);
  EXPECT_NE(d.find("fc0.bias"), std::string::npos) << d;
  EXPECT_NE(d.find("byte 5"), std::string::npos) << d;
}

TEST(FirstDifference, SeesNegativeZeroAndNaNPayload) {
  OnnxModel a = parse_or_die(make_all_dtypes_model());
  OnnxModel b = parse_or_die(make_all_dtypes_model());
  const auto i = find_tensor(b, "float32_raw");
  b.mutable_tensor_bytes(i)[4 * 1 + 3] = 0x00;  // -0.0 → +0.0
  EXPECT_NE(a.first_difference(b), "");
}

TEST(FirstDifference, SeesGraphChanges) {
  const std::string base = make_mlp_model({4, 3}, 1);
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(base));
  p.mutable_graph()->mutable_node(0)->set_name("renamed");
  std::string changed;
  ASSERT_TRUE(p.SerializeToString(&changed));
  OnnxModel a = parse_or_die(base);
  OnnxModel b = parse_or_die(changed);
  const std::string d = a.first_difference(b);
  EXPECT_NE(d.find("renamed"), std::string::npos) << d;
}

TEST(FirstDifference, SeesStorageFormChanges) {
  OnnxModel a = parse_or_die(make_mlp_model({4, 3}, 1));
  OnnxModel b = parse_or_die(make_mlp_model({4, 3}, 1));
  b.set_typed_storage(find_tensor(b, "fc0.bias"), true);
  EXPECT_NE(a.first_difference(b).find("typed_storage"), std::string::npos);
}

TEST(RealModels, RoundTripEqualAndCanonical) {
  const auto models = real_models();
  if (models.empty()) GTEST_SKIP() << "no models in " << DCZ_SHARED_DIR << "/models or samples/";
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    auto a = OnnxModel::load(path);
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    EXPECT_GT(a->tensor_count(), 0u);
    auto out = a->serialize();
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    auto b = OnnxModel::parse(as_span(*out), {}, "reserialized");
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
    EXPECT_EQ(a->first_difference(*b), "");
    const bool any_external = [&] {
      for (std::size_t i = 0; i < a->tensor_count(); ++i) {
        if (a->tensor(i).was_external) return true;
      }
      return false;
    }();
    if (!any_external) {
      std::ifstream in(path, std::ios::binary);
      std::string original((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(*out, canonical(original));
    }
    EXPECT_TRUE(a->check().is_ok()) << a->check().to_string();
  }
}

}  // namespace
}  // namespace dcz::test
