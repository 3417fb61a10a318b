// RateQuantizeOptions::lambda_scale: a multiplier moves only its layer (weight and bias) to
// λ × multiplier, bit for bit as a global run at that λ would; bad multipliers are refused before
// anything is quantized, naming the tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dcz/onnx_model.h"
#include "dcz/rate_quantize.h"
#include "quantize/model_test_util.h"
#include "support/onnx_synthetic.h"

namespace dcz {
namespace {

using test::floats;

OnnxModel mlp() { return test::parse_model(test::make_mlp_model({128, 64, 10}, 3)); }

OnnxModel quantized(double lambda, std::map<std::string, double> scale = {}) {
  OnnxModel m = mlp();
  RateQuantizeOptions o;
  o.lambda = lambda;
  o.lambda_scale = std::move(scale);
  auto r = rate_quantize_model(m, o);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return m;
}

TEST(RateLambdaScale, MultiplierMovesOnlyItsLayerAndItsBias) {
  const double lambda = 1e-4;
  const OnnxModel global = quantized(lambda);
  const OnnxModel coarse = quantized(lambda * 16);
  const OnnxModel scaled = quantized(lambda, {{"fc0.weight", 16}});
  // fc0 (weight and bias) exactly as at 16 λ; fc1 exactly as at λ.
  for (const char* name : {"fc0.weight", "fc0.bias"}) {
    EXPECT_EQ(floats(scaled, name), floats(coarse, name)) << name;
    EXPECT_NE(floats(scaled, name), floats(global, name)) << name << ": 16 λ must change the layer";
  }
  for (const char* name : {"fc1.weight", "fc1.bias"}) EXPECT_EQ(floats(scaled, name), floats(global, name)) << name;
  // A multiplier of 1 is no multiplier.
  EXPECT_EQ(quantized(lambda, {{"fc1.weight", 1.0}}).first_difference(global), "");
}

TEST(RateLambdaScale, BadMultipliersAreInvalidArgumentsNamingTheTensor) {
  struct Case {
    std::string name;
    double value;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (const Case& c : std::vector<Case>{{"fc0.weight", 0.0},
                                         {"fc0.weight", -2.0},
                                         {"fc1.weight", nan},
                                         {"fc1.weight", inf},
                                         {"nope.weight", 2.0},
                                         {"fc0.bias", 2.0}}) {  // a bias follows its weight: not a layer of its own
    OnnxModel m = mlp();
    RateQuantizeOptions o;
    o.lambda = 1e-4;
    o.lambda_scale = {{c.name, c.value}};
    auto r = rate_quantize_model(m, o);
    ASSERT_FALSE(r.is_ok()) << c.name << " " << c.value;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.name << " " << c.value;
    EXPECT_NE(r.status().message().find(c.name), std::string::npos) << r.status().message();
    EXPECT_EQ(m.first_difference(mlp()), "") << "refused before anything is quantized";
  }
  // λ × multiplier out of range (overflow) is refused too.
  OnnxModel m = mlp();
  RateQuantizeOptions o;
  o.lambda = 1e300;
  o.lambda_scale = {{"fc1.weight", 1e300}};
  EXPECT_EQ(rate_quantize_model(m, o).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dcz
