// Dead-unit elimination (dcz/dead_units.h) on hand-built chains: exactly the unread filters and
// their biases are zeroed, nothing at all changes where a chain is not provably channel-separate,
// the fixpoint reaches back two layers, constant-zero channels clear their consumers' columns.
#include "dcz/dead_units.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "dcz/onnx_model.h"
#include "prune/dead_units_fixtures.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

using test::DeadUnitModelOptions;

OnnxModel parse(const std::string& bytes) {
  auto m = OnnxModel::parse(test::as_span(bytes), {}, "test model");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

std::size_t index_of(const OnnxModel& m, const std::string& name) {
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).name == name) return i;
  }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

std::vector<float> values(const OnnxModel& m, const std::string& name) {
  const auto bytes = m.tensor_bytes(index_of(m, name));
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

DeadUnitReport eliminate(OnnxModel& m, const WeightSelection& s = {}) {
  auto r = eliminate_dead_units(m, s);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : DeadUnitReport{};
}

const DeadUnitLayer* layer(const DeadUnitReport& r, const std::string& name) {
  for (const DeadUnitLayer& l : r.layers) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

// Every tensor but `changed` keeps its bytes.
void expect_only_changed(const OnnxModel& before, const OnnxModel& after, const std::set<std::string>& changed) {
  ASSERT_EQ(before.tensor_count(), after.tensor_count());
  for (std::size_t i = 0; i < before.tensor_count(); ++i) {
    const auto a = before.tensor_bytes(i), b = after.tensor_bytes(i);
    const bool same = a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    EXPECT_EQ(same, !changed.count(before.tensor(i).name)) << before.tensor(i).name;
  }
}

// For the [out, in, 3, 3] conv weight `w` (bits before `b`): filter o is all +0.0 when o is in
// `zero_filters`, and input channel c of every filter when c is in `zero_inputs`; every other
// weight is unchanged.
void expect_conv(const std::vector<float>& b, const std::vector<float>& w, std::size_t inputs,
                 const std::set<std::size_t>& zero_filters, const std::set<std::size_t>& zero_inputs = {}) {
  ASSERT_EQ(b.size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::size_t o = i / (inputs * 9), c = i / 9 % inputs;
    if (zero_filters.count(o) || zero_inputs.count(c)) {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(w[i]), 0u) << "weight " << i;
    } else {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(w[i]), std::bit_cast<std::uint32_t>(b[i])) << "weight " << i;
    }
  }
}

void expect_bias(const std::vector<float>& b, const std::vector<float>& w, const std::set<std::size_t>& zero) {
  ASSERT_EQ(b.size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w[i], zero.count(i) ? 0.0f : b[i]) << "bias " << i;
}

// The default chain: conv2's filters 1 and 4 feed only zero fc1 columns.
void expect_dead_filters_removed(const DeadUnitModelOptions& o) {
  const std::string bytes = test::make_dead_unit_model(o);
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  const DeadUnitReport r = eliminate(after);
  expect_only_changed(before, after, {"conv2.weight", "conv2.bias"});
  expect_conv(values(before, "conv2.weight"), values(after, "conv2.weight"), 4, {1, 4});
  expect_bias(values(before, "conv2.bias"), values(after, "conv2.bias"), {1, 4});
  EXPECT_EQ(r.links, 3u);
  EXPECT_EQ(r.weights_zeroed, 2u * 4 * 9);
  EXPECT_EQ(r.bias_zeroed, 2u);
  const DeadUnitLayer* conv2 = layer(r, "conv2.weight");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->dead_channels, 2u);
  EXPECT_EQ(conv2->channels, 6u);
  EXPECT_EQ(conv2->nonzero_before - conv2->nonzero_after, 72u);
  EXPECT_EQ(conv2->consumer, "fc1.weight");
  EXPECT_EQ(conv2->producer, "conv1.weight");
}

TEST(DeadUnits, ConvPoolFlattenGemmZeroesExactlyTheDeadFiltersAndBiases) { expect_dead_filters_removed({}); }

TEST(DeadUnits, NegativeZeroColumnsAreZero) { expect_dead_filters_removed({.dead_columns_negative = true}); }

TEST(DeadUnits, GemmWithoutTransB) { expect_dead_filters_removed({.fc1_trans_b = false}); }

TEST(DeadUnits, ReshapeKeepingTheBatchDimension) { expect_dead_filters_removed({.flatten = "Reshape0"}); }

TEST(DeadUnits, ReshapeWithTheSpatialSizeFromValueInfo) {
  expect_dead_filters_removed({.flatten = "Reshape", .pool2_value_info = true});
}

TEST(DeadUnits, OtherActivationsBetweenTheConvolutions) {
  for (const char* act : {"Sigmoid", "BatchNormalization", "Clip"}) {
    SCOPED_TRACE(act);
    expect_dead_filters_removed({.act1 = act});
  }
}

struct Unchanged {
  const char* name;
  DeadUnitModelOptions options;
  WeightSelection selection;
};

class DeadUnitsStop : public ::testing::TestWithParam<Unchanged> {};

TEST_P(DeadUnitsStop, LeavesEveryTensorAsItWas) {
  const std::string bytes = test::make_dead_unit_model(GetParam().options);
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  const DeadUnitReport r = eliminate(after, GetParam().selection);
  EXPECT_EQ(r.weights_zeroed, 0u);
  EXPECT_EQ(r.bias_zeroed, 0u);
  EXPECT_EQ(before.first_difference(after), "");
}

INSTANTIATE_TEST_SUITE_P(
    Chains, DeadUnitsStop,
    ::testing::Values(Unchanged{"residual_add", {.residual_add = true}, {}},
                      Unchanged{"second_reader", {.pool2_second_reader = true}, {}},
                      Unchanged{"graph_output", {.pool2_graph_output = true}, {}},
                      Unchanged{"grouped_conv", {.conv2_grouped = true}, {}},
                      Unchanged{"shared_weight", {.conv2_weight_shared = true}, {}},
                      Unchanged{"weight_is_graph_output", {.conv2_weight_output = true}, {}},
                      Unchanged{"unknown_spatial_size", {.flatten = "Reshape"}, {}},
                      Unchanged{"wrong_spatial_size", {.flatten = "Reshape", .pool2_value_info = true, .pool2_side = 3}, {}},
                      Unchanged{"huge_spatial_size",
                                {.flatten = "Reshape", .pool2_value_info = true, .pool2_side = std::int64_t{1} << 32},
                                {}},
                      Unchanged{"producer_not_selected", {}, {.exclude = {"conv2.weight"}}},
                      Unchanged{"consumer_not_selected", {}, {.exclude = {"fc1.weight"}}}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(DeadUnits, FixpointReachesTwoLayersBack) {
  const std::string bytes = test::make_dead_unit_model({.conv1_channel2_via_dead_filters = true});
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  const DeadUnitReport r = eliminate(after);
  expect_only_changed(before, after, {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"});
  expect_conv(values(before, "conv1.weight"), values(after, "conv1.weight"), 1, {2});
  expect_bias(values(before, "conv1.bias"), values(after, "conv1.bias"), {2});
  expect_conv(values(before, "conv2.weight"), values(after, "conv2.weight"), 4, {1, 4});
  EXPECT_EQ(layer(r, "conv1.weight")->dead_channels, 1u);
  EXPECT_EQ(r.weights_zeroed, 72u + 9u);
  EXPECT_EQ(r.rounds, 2u);  // the second sweep finds nothing more
}

TEST(DeadUnits, ConstantZeroChannelClearsItsConsumerColumns) {
  for (const DeadUnitModelOptions& o : {DeadUnitModelOptions{.conv1_channel3_zero = true},
                                        DeadUnitModelOptions{.act1 = "Clip", .conv1_channel3_zero = true}}) {
    SCOPED_TRACE(o.act1);
    const std::string bytes = test::make_dead_unit_model(o);
    const OnnxModel before = parse(bytes);
    OnnxModel after = parse(bytes);
    const DeadUnitReport r = eliminate(after);
    expect_only_changed(before, after, {"conv2.weight", "conv2.bias"});
    expect_conv(values(before, "conv2.weight"), values(after, "conv2.weight"), 4, {1, 4}, {3});
    EXPECT_EQ(layer(r, "conv2.weight")->zero_inputs, 1u);
    EXPECT_EQ(layer(r, "conv1.weight")->dead_channels, 0u);  // it was zero already
  }
}

TEST(DeadUnits, ConstantZeroThroughANonZeroPreservingOpStays) {
  for (const DeadUnitModelOptions& o : {DeadUnitModelOptions{.act1 = "Sigmoid", .conv1_channel3_zero = true},
                                        DeadUnitModelOptions{.act1 = "BatchNormalization", .conv1_channel3_zero = true},
                                        DeadUnitModelOptions{.act1 = "Clip", .clip_min = 0.5f, .conv1_channel3_zero = true}}) {
    SCOPED_TRACE(o.act1);
    const std::string bytes = test::make_dead_unit_model(o);
    const OnnxModel before = parse(bytes);
    OnnxModel after = parse(bytes);
    eliminate(after);
    expect_conv(values(before, "conv2.weight"), values(after, "conv2.weight"), 4, {1, 4});
  }
}

TEST(DeadUnits, MatMulColumnsAndRows) {
  const std::string bytes = test::make_matmul_chain_model(7);
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  const DeadUnitReport r = eliminate(after);
  expect_only_changed(before, after, {"w1", "w2"});
  const auto w1b = values(before, "w1"), w1 = values(after, "w1");
  for (std::size_t i = 0; i < w1.size(); ++i) EXPECT_EQ(w1[i], i % 6 == 2 ? 0.0f : w1b[i]) << i;
  const auto w2b = values(before, "w2"), w2 = values(after, "w2");
  for (std::size_t i = 0; i < w2.size(); ++i) EXPECT_EQ(w2[i], i / 4 == 5 ? 0.0f : w2b[i]) << i;
  EXPECT_EQ(layer(r, "w1")->dead_channels, 1u);
  EXPECT_EQ(layer(r, "w2")->zero_inputs, 1u);
  EXPECT_EQ(r.weights_zeroed, 8u + 4u);
}

TEST(DeadUnits, Float16Weights) {
  const std::string bytes = test::make_matmul_chain_model(7, true);
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  const DeadUnitReport r = eliminate(after);
  expect_only_changed(before, after, {"w1", "w2"});
  auto halves = [](const OnnxModel& m, const std::string& name) {
    const auto raw = m.tensor_bytes(index_of(m, name));
    std::vector<std::uint16_t> v(raw.size() / 2);
    std::memcpy(v.data(), raw.data(), raw.size());
    return v;
  };
  const auto w1b = halves(before, "w1"), w1 = halves(after, "w1");
  ASSERT_EQ(w1.size(), 48u);
  for (std::size_t i = 0; i < w1.size(); ++i) EXPECT_EQ(w1[i], i % 6 == 2 ? 0 : w1b[i]) << i;
  const auto w2b = halves(before, "w2"), w2 = halves(after, "w2");
  for (std::size_t i = 0; i < w2.size(); ++i) EXPECT_EQ(w2[i], i / 4 == 5 ? 0 : w2b[i]) << i;
  EXPECT_EQ(r.weights_zeroed, 8u + 4u);
}

TEST(DeadUnits, SelectionErrorsChangeNothing) {
  const std::string bytes = test::make_dead_unit_model({});
  const OnnxModel before = parse(bytes);
  OnnxModel after = parse(bytes);
  auto none = eliminate_dead_units(after, {.include = {"no_such_weight"}});
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kNothingToDo);
  auto empty = eliminate_dead_units(after, {.include = {""}});
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
  auto op = eliminate_dead_units(after, {.op_types = {"Relu"}});
  ASSERT_FALSE(op.is_ok());
  EXPECT_EQ(op.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(before.first_difference(after), "");
}

TEST(DeadUnits, DeterministicAndIdempotent) {
  const std::string bytes = test::make_dead_unit_model({.conv1_channel2_via_dead_filters = true});
  OnnxModel a = parse(bytes), b = parse(bytes);
  const DeadUnitReport ra = eliminate(a), rb = eliminate(b);
  EXPECT_EQ(a.serialize().value(), b.serialize().value());
  EXPECT_EQ(dead_unit_report_json(ra), dead_unit_report_json(rb));
  const DeadUnitReport again = eliminate(a);
  EXPECT_EQ(again.weights_zeroed, 0u);
  EXPECT_EQ(again.rounds, 1u);
  EXPECT_EQ(a.serialize().value(), b.serialize().value());
}

TEST(DeadUnits, Reports) {
  OnnxModel m = parse(test::make_dead_unit_model({}));
  const DeadUnitReport r = eliminate(m);
  const std::string text = format_dead_unit_report(r);
  EXPECT_NE(text.find("conv2.weight"), std::string::npos);
  EXPECT_NE(text.find("72 weights and 2 bias entries"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(dead_unit_report_json(r));
  EXPECT_EQ(j["weights_zeroed"], 72);
  EXPECT_EQ(j["links"], 3);
  ASSERT_EQ(j["layers"].size(), 4u);
  EXPECT_EQ(j["layers"][1]["name"], "conv2.weight");
  EXPECT_EQ(j["layers"][1]["dead_channels"], 2);
}

}  // namespace
}  // namespace dcz
