// dcz-prune --dead-units: alone or after a policy, its report, and the options it cannot take.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "dcz/onnx_model.h"
#include "prune/dead_units_fixtures.h"
#include "support/tool_runner.h"

namespace {

namespace fs = std::filesystem;

class DeadUnitsTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_dead_units_tool_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "lenet.onnx", std::ios::binary) << dcz::test::make_dead_unit_model({});
  }
  void TearDown() override { fs::remove_all(dir_); }

  int run(const std::string& args) {
    return dcz::testing::run_tool("dcz-prune", args, dir_, {.work_dir = dir_}).exit_code;
  }
  std::string read(const std::string& name) { return dcz::testing::slurp(dir_ / name); }

  fs::path dir_;
};

// The bits of conv2's filter `o` in the saved model.
std::vector<std::uint32_t> conv2_filter(const fs::path& path, int o) {
  auto m = dcz::OnnxModel::load(path);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  for (std::size_t i = 0; m.is_ok() && i < m->tensor_count(); ++i) {
    if (m->tensor(i).name != "conv2.weight") continue;
    std::vector<std::uint32_t> bits(36);
    std::memcpy(bits.data(), m->tensor_bytes(i).data() + o * 36 * 4, 36 * 4);
    return bits;
  }
  return {};
}

TEST_F(DeadUnitsTool, AloneZeroesTheDeadFiltersAndReports) {
  ASSERT_EQ(run("lenet.onnx -o out.onnx --dead-units --json r.json"), 0) << read("stderr.txt");
  EXPECT_NE(read("stderr.txt").find("72 weights and 2 bias entries"), std::string::npos) << read("stderr.txt");
  const auto j = nlohmann::json::parse(read("r.json"));
  EXPECT_EQ(j["dead_units"]["weights_zeroed"], 72);
  EXPECT_TRUE(j["prune"].is_null());
  EXPECT_EQ(conv2_filter(dir_ / "out.onnx", 1), std::vector<std::uint32_t>(36, 0));
  EXPECT_NE(conv2_filter(dir_ / "out.onnx", 0), std::vector<std::uint32_t>(36, 0));
}

TEST_F(DeadUnitsTool, AfterAPolicy) {
  ASSERT_EQ(run("lenet.onnx -o out.onnx --sparsity 0.3 --dead-units --json - -q"), 0) << read("stderr.txt");
  const auto j = nlohmann::json::parse(read("stdout.txt"));
  EXPECT_EQ(j["prune"]["policy"], "sparsity");
  EXPECT_GE(j["dead_units"]["bias_zeroed"], 2);
  EXPECT_EQ(conv2_filter(dir_ / "out.onnx", 4), std::vector<std::uint32_t>(36, 0));
}

// dcz-compress zeroes them after weight sharing unless told not to: the two files then differ only
// in weights that became +0.0, every other value (codebook entries included) bit for bit the same.
TEST_F(DeadUnitsTool, CompressZeroesThemAfterTheLossyStages) {
  for (const char* run : {"lenet.onnx --sparsity 0.3 -o on.dcz --json on.json -q",
                          "lenet.onnx --sparsity 0.3 --no-dead-units -o off.dcz --json off.json -q",
                          "on.dcz -o on.onnx", "off.dcz -o off.onnx"}) {
    const std::string tool = std::string(run).find(".dcz -o") != std::string::npos ? "dcz-decode" : "dcz-compress";
    auto r = dcz::testing::run_tool(tool, run, dir_, {.work_dir = dir_});
    ASSERT_EQ(r.exit_code, 0) << run << ": " << r.err;
  }
  const auto report = nlohmann::json::parse(read("on.json"))["dead_units"];
  EXPECT_TRUE(nlohmann::json::parse(read("off.json"))["dead_units"].is_null());
  auto on = dcz::OnnxModel::load(dir_ / "on.onnx"), off = dcz::OnnxModel::load(dir_ / "off.onnx");
  ASSERT_TRUE(on.is_ok() && off.is_ok());
  std::size_t zeroed = 0;
  for (std::size_t i = 0; i < on->tensor_count(); ++i) {
    const auto a = on->tensor_bytes(i), b = off->tensor_bytes(i);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t at = 0; at + 4 <= a.size(); at += 4) {
      std::uint32_t x, y;
      std::memcpy(&x, a.data() + at, 4);
      std::memcpy(&y, b.data() + at, 4);
      if (x == y) continue;
      EXPECT_EQ(x, 0u) << on->tensor(i).name << " element " << at / 4;
      ++zeroed;
    }
  }
  EXPECT_GT(zeroed, 0u);
  EXPECT_EQ(zeroed, report["weights_zeroed"].get<std::size_t>() + report["bias_zeroed"].get<std::size_t>());
  EXPECT_EQ(conv2_filter(dir_ / "on.onnx", 1), std::vector<std::uint32_t>(36, 0));
}

TEST_F(DeadUnitsTool, UsageErrors) {
  EXPECT_EQ(run("lenet.onnx -o out.onnx --dead-units --write-recipe r.json"), 1);
  EXPECT_NE(read("stderr.txt").find("--write-recipe needs a policy"), std::string::npos);
  EXPECT_EQ(run("lenet.onnx -o out.onnx --dead-units --include 'nothing*'"), 4);
  EXPECT_FALSE(fs::exists(dir_ / "out.onnx"));
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
}

}  // namespace
