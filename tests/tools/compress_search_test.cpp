// dcz-compress --max-drop: the written file is the chosen candidate and within budget, the search
// log is printed and in the JSON, and misuse gets the documented exit codes with nothing written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;
using testing::run_tool;

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";
const std::string kLeNet = DCZ_SOURCE_DIR "/samples/lenet300100.onnx";

std::string fashion_test() {
  return "idx:" + (kFashion / "t10k-images-idx3-ubyte.gz").string() + "," +
         (kFashion / "t10k-labels-idx1-ubyte.gz").string();
}

class CompressSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_compress_search_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    if (!fs::exists(kLeNet) || !fs::exists(kFashion)) {
      GTEST_SKIP() << "needs samples/lenet300100.onnx and Fashion-MNIST (Debian dataset-fashion-mnist)";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A search on 1,000 test images (the LeNet's preprocessing); returns the parsed --json.
  nlohmann::json search(const std::string& flags, const fs::path& out) {
    const fs::path json = dir_ / "search.json";
    auto r = run_tool("dcz-compress", kLeNet + " --max-drop 1 --data " + fashion_test() +
                                          " --limit 1000 --scale 0.00392156862745098 -o " + out.string() +
                                          " --json " + json.string() + " " + flags, dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // The per-stage table of the written file, then the search log.
    EXPECT_NE(r.err.find("Per-stage accounting"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("<- smallest within budget"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Chosen: #"), std::string::npos) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(testing::slurp(json)) : nlohmann::json();
  }

  void expect_file_is_the_choice(const nlohmann::json& j, const fs::path& out, const char* parameter,
                                 std::size_t max_evaluations) {
    ASSERT_FALSE(j.is_null());
    const auto& s = j["search"];
    EXPECT_EQ(s["parameter"], parameter);
    EXPECT_LE(s["evaluations"].size(), max_evaluations);
    ASSERT_FALSE(s["best"].is_null());
    const auto& best = s["evaluations"][s["best"].get<std::size_t>()];
    EXPECT_TRUE(best["within_budget"].get<bool>());
    EXPECT_LE(s["baseline_correct"].get<std::uint64_t>(), best["correct"].get<std::uint64_t>() + 10);  // 1 % of 1,000
    EXPECT_EQ(s["samples"].get<int>(), 1000);
    EXPECT_EQ(fs::file_size(out), best["bytes"].get<std::uint64_t>());
    EXPECT_EQ(j["file"]["file_bytes"].get<std::uint64_t>(), best["bytes"].get<std::uint64_t>());
    for (const auto& e : s["evaluations"]) {
      if (e["within_budget"].get<bool>()) EXPECT_GE(e["bytes"].get<std::uint64_t>(), best["bytes"].get<std::uint64_t>());
    }
    auto d = run_tool("dcz-decode", out.string() + " --check -o " + (dir_ / "decoded.onnx").string(), dir_);
    EXPECT_EQ(d.exit_code, 0) << d.err;
  }

  fs::path dir_;
};

TEST_F(CompressSearch, ClassicPathWritesTheSmallestFileWithinBudget) {
  const fs::path out = dir_ / "classic.dcz";
  auto j = search("--method classic --max-evaluations 8", out);
  expect_file_is_the_choice(j, out, "prune factor", 8);
  // Deterministic: the same command writes the same bytes, whatever the thread count.
  const fs::path again = dir_ / "again.dcz";
  search("--method classic --max-evaluations 8 --threads 1", again);
  EXPECT_EQ(testing::slurp(out), testing::slurp(again));
}

TEST_F(CompressSearch, RatePathWritesTheSmallestFileWithinBudget) {
  const fs::path out = dir_ / "rate.dcz";
  auto j = search("--calibration 200 --max-evaluations 6 --refine-evaluations 2", out);
  expect_file_is_the_choice(j, out, "lambda", 8);
  // The refinement's candidates come after the bisection's and carry a multiplier per layer.
  const auto& s = j["search"];
  EXPECT_EQ(s["layers"], nlohmann::json({"fc1.weight", "fc2.weight", "fc3.weight"}));
  std::size_t refined = 0;
  for (const auto& e : s["evaluations"]) {
    if (e["multipliers"].empty()) {
      EXPECT_EQ(refined, 0u) << "a bisection candidate after a refinement one";
    } else {
      EXPECT_EQ(e["multipliers"].size(), 3u);
      ++refined;
    }
  }
  EXPECT_EQ(refined, 2u);

  // --refine-evaluations 0: exactly the bisection's candidates, the same ones.
  auto off = search("--calibration 200 --max-evaluations 6 --refine-evaluations 0", dir_ / "off.dcz");
  ASSERT_FALSE(off.is_null());
  const auto& evaluations = off["search"]["evaluations"];
  ASSERT_EQ(evaluations.size() + refined, s["evaluations"].size());
  for (std::size_t i = 0; i < evaluations.size(); ++i) {
    EXPECT_TRUE(evaluations[i]["multipliers"].empty());
    EXPECT_EQ(evaluations[i]["t"], s["evaluations"][i]["t"]);
    EXPECT_EQ(evaluations[i]["bytes"], s["evaluations"][i]["bytes"]);
    EXPECT_EQ(evaluations[i]["correct"], s["evaluations"][i]["correct"]);
  }
}

TEST_F(CompressSearch, MisuseIsAUsageErrorAndWritesNothing) {
  const fs::path out = dir_ / "x.dcz";
  const std::string base = kLeNet + " -o " + out.string() + " ";
  const std::string data = " --data " + fashion_test() + " --limit 100 --scale 0.00392156862745098";
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--max-drop 0.5", "--data"},                       // no data
           {data, "--max-drop"},                                // data without a budget
           {"--max-drop 0" + data, "--max-drop must be in (0, 100]"},
           {"--max-drop -1" + data, "--max-drop must be in (0, 100]"},
           {"--max-drop 150" + data, "--max-drop must be in (0, 100]"},
           {"--max-drop 0.5 --sparsity 0.9" + data, "searches the compression itself"},
           {"--max-drop 0.5 --method classic --calibration-data " + fashion_test() + data, "--calibration-data"},
           {"--max-drop 0.5 --data png:images.png", "png"},
           {"--method rate", "--method rate needs --max-drop"},
           {"--refine-evaluations 2", "--max-drop"},
           {"--max-drop 0.5 --method classic --refine-evaluations 2" + data, "--refine-evaluations is for --method rate"},
           {"--max-drop 0.5 --refine-evaluations x" + data, "--refine-evaluations"},
       }) {
    auto r = run_tool("dcz-compress", base + c.args, dir_);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
}

TEST_F(CompressSearch, NoCandidateWithinBudgetIsExitFourAndWritesNothing) {
  // 1-bit codebooks break the model at every pruning level, and a budget under one sample of 500
  // allows no loss at all.
  const fs::path out = dir_ / "x.dcz";
  auto r = run_tool("dcz-compress", kLeNet + " --max-drop 0.1 --data " + fashion_test() +
                                        " --limit 500 --scale 0.00392156862745098 --method classic --bits 1 -o " +
                                        out.string(), dir_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No candidate within the budget"), std::string::npos) << r.err;  // the log
  EXPECT_NE(r.err.find("stays within 0.1 points"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CompressSearch, DataErrorsHaveTheirExitCodes) {
  const fs::path out = dir_ / "x.dcz";
  // Data that does not fit the model: 28x28 images for a 2x2 input (2: invalid input).
  auto r = run_tool("dcz-compress", DCZ_SOURCE_DIR "/tests/eval/data/tiny_mlp.onnx --max-drop 1 --data " +
                                        fashion_test() + " --limit 100 -o " + out.string(), dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("shape_mismatch"), std::string::npos) << r.err;
  // A missing dataset file (3: I/O).
  auto m = run_tool("dcz-compress", kLeNet + " --max-drop 1 --data idx:" + (dir_ / "none.gz").string() + "," +
                                        (dir_ / "none-labels.gz").string() + " -o " + out.string(), dir_);
  EXPECT_EQ(m.exit_code, 3) << m.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace dcz
