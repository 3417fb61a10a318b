// dcz-eval as a command: exit codes, messages, --json, .dcz input, --dump-outputs.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "dcz/eval.h"
#include "eval/npy.h"
#include "eval/test_files.h"
#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;

using ToolRun = testing::ToolResult;

ToolRun run_tool(const std::string& tool, const std::string& args, const test::ScratchDir& dir) {
  return testing::run_tool(tool, args, dir.path());
}

std::string eval_tool() { return "eval/dcz-eval"; }
std::string encode_tool() { return "dcz-encode"; }

// A tiny npy dataset for tiny_mlp.onnx: sample i lights pixel i % 3 and is labelled i % 3.
void write_tiny_npy(const test::ScratchDir& dir, std::size_t n) {
  std::vector<float> x;
  std::vector<std::int64_t> y;
  for (std::size_t i = 0; i < n; ++i) {
    float px[4] = {0.1f, 0.1f, 0.1f, 0.0f};
    px[i % 3] = 0.9f;
    x.insert(x.end(), px, px + 4);
    y.push_back(static_cast<std::int64_t>(i % 3));
  }
  test::write_bytes(dir / "x.npy", eval::npy_float32(x, {static_cast<std::int64_t>(n), 1, 2, 2}));
  test::write_bytes(dir / "y.npy", eval::npy_int64(y, {static_cast<std::int64_t>(n)}));
}

class EvalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(testing::tool_path(eval_tool()))) GTEST_SKIP() << "dcz-eval is not built";
    write_tiny_npy(dir_, 12);
    data_ = "--data npy:" + (dir_ / "x.npy").string() + "," + (dir_ / "y.npy").string();
  }
  test::ScratchDir dir_;
  std::string data_;
};

TEST_F(EvalCli, PrintsJsonReport) {
  ToolRun r = run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string() + " " + data_ + " --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["samples"], 12);
  EXPECT_EQ(j["classes"], 3);
  EXPECT_EQ(j["models"][0]["top1_correct"], 12);
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
}

TEST_F(EvalCli, AcceptsDczFilesDecodedInMemory) {
  if (!fs::exists(testing::tool_path(encode_tool()))) GTEST_SKIP() << "dcz-encode is not built";
  fs::path dcz = dir_ / "tiny.dcz";
  ToolRun enc = run_tool(encode_tool(), test::eval_data("tiny_mlp.onnx").string() + " -o " + dcz.string() + " -q", dir_);
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  ToolRun r = run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string() + " " + dcz.string() + " " + data_ +
                                    " --json --dump-outputs " + (dir_ / "dump").string(), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["models"][1]["top1_agreement_percent"], 100.0);
  EXPECT_EQ(j["models"][1]["max_abs_diff"], 0.0);
  // The decoded model OpenCV ran is the original, byte for byte.
  EXPECT_EQ(test::read_bytes(dir_ / "dump/model_1.onnx"), test::read_bytes(dir_ / "dump/model_0.onnx"));
}

TEST_F(EvalCli, BadDatasetExitsTwoNamingTheFile) {
  std::string y = test::read_bytes(dir_ / "y.npy");
  test::write_bytes(dir_ / "y.npy", y.substr(0, y.size() - 3));
  ToolRun r = run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string() + " " + data_, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dcz-eval: error: bad_dataset: " + (dir_ / "y.npy").string()), std::string::npos) << r.err;
}

TEST_F(EvalCli, ShapeMismatchExitsTwo) {
  std::vector<float> x(12 * 9, 0.5f);
  test::write_bytes(dir_ / "x.npy", eval::npy_float32(x, {12, 1, 3, 3}));
  ToolRun r = run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string() + " " + data_, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("shape_mismatch"), std::string::npos) << r.err;
}

TEST_F(EvalCli, UnsupportedOpExitsFourNamingTheOp) {
  ToolRun r = run_tool(eval_tool(), test::eval_data("unsupported_op.onnx").string() + " " + data_, dir_);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("engine_failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Det"), std::string::npos) << r.err;
}

TEST_F(EvalCli, MisuseExitsOne) {
  EXPECT_EQ(run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string(), dir_).exit_code, 1);  // no --data
  EXPECT_EQ(run_tool(eval_tool(), test::eval_data("tiny_mlp.onnx").string() + " --data png:a", dir_).exit_code, 1);
  ToolRun help = run_tool(eval_tool(), "--help", dir_);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--sensitivity"), std::string::npos);
}

}  // namespace
}  // namespace dcz
