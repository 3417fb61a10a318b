// dcz-encode / dcz-decode / dcz-inspect as a user meets them: exit codes, messages, stdin/stdout,
// no output left behind on error, the input never overwritten, and reports that add up.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/tool_runner.h"

namespace dcz {
namespace {

namespace fs = std::filesystem;
using testing::run_tool;
using testing::slurp;

const fs::path kGolden = DCZ_SOURCE_DIR "/tests/golden";

class CodecTools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_tools_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    model_ = dir_ / "model.onnx";
    fs::copy_file(kGolden / "valid/conv_pruned_shared.onnx", model_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  testing::ToolResult run(const std::string& tool, const std::string& args, const std::string& in = "") {
    return run_tool(tool, args, dir_, {.stdin_file = in});
  }
  // Files in the scratch folder other than the captured stdout/stderr.
  std::size_t outputs() const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const auto f = e.path().filename().string();
      n += f != "stdout.txt" && f != "stderr.txt";
    }
    return n;
  }
  fs::path dir_, model_;
};

TEST_F(CodecTools, HelpAndVersionExitZeroOnStdout) {
  for (const char* tool : {"dcz-encode", "dcz-decode", "dcz-inspect"}) {
    auto h = run(tool, "--help");
    EXPECT_EQ(h.exit_code, 0) << tool;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << tool;
    EXPECT_NE(h.out.find("Exit codes"), std::string::npos) << tool;
    auto v = run(tool, "--version");
    EXPECT_EQ(v.exit_code, 0) << tool;
    EXPECT_NE(v.out.find(tool), std::string::npos) << tool;
  }
}

TEST_F(CodecTools, MisuseIsExitOneOnStderr) {
  for (const char* tool : {"dcz-encode", "dcz-decode", "dcz-inspect"}) {
    auto r = run(tool, "");
    EXPECT_EQ(r.exit_code, 1) << tool;
    EXPECT_TRUE(r.out.empty()) << tool;
    EXPECT_FALSE(r.err.empty()) << tool;
    EXPECT_EQ(run(tool, "--no-such-flag x").exit_code, 1) << tool;
  }
  EXPECT_EQ(run("dcz-encode", model_.string() + " --entropy nope").exit_code, 1);
}

TEST_F(CodecTools, EncodeDecodeRoundTripIsByteIdentical) {
  auto e = run("dcz-encode", model_.string());  // default output: model.dcz beside it
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find("dcz-encode: "), std::string::npos);
  ASSERT_TRUE(fs::exists(dir_ / "model.dcz"));
  auto d = run("dcz-decode", (dir_ / "model.dcz").string() + " -o " + (dir_ / "back.onnx").string());
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(slurp(dir_ / "back.onnx"), slurp(model_));
}

TEST_F(CodecTools, StdinAndStdout) {
  auto e = run("dcz-encode", "- -o - -q", model_.string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, slurp(kGolden / "valid/conv_pruned_shared.dcz"));
  std::ofstream(dir_ / "m.dcz", std::ios::binary) << e.out;
  auto d = run("dcz-decode", "- -o - -q", (dir_ / "m.dcz").string());
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out, slurp(model_));
  EXPECT_EQ(run("dcz-encode", "-").exit_code, 1);  // stdin needs -o
}

TEST_F(CodecTools, ExistingOutputNeedsForceAndInputIsNeverOverwritten) {
  std::ofstream(dir_ / "model.dcz") << "precious";
  auto r = run("dcz-encode", model_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ / "model.dcz"), "precious");
  EXPECT_EQ(run("dcz-encode", model_.string() + " -f").exit_code, 0);
  const std::string before = slurp(model_);
  auto same = run("dcz-encode", model_.string() + " -f -o " + model_.string());
  EXPECT_EQ(same.exit_code, 1) << same.err;
  EXPECT_EQ(slurp(model_), before);
}

TEST_F(CodecTools, BadInputLeavesNothingBehind) {
  std::ofstream(dir_ / "junk.onnx") << "this is not a protobuf \xff\xff\xff\xff";
  auto e = run("dcz-encode", (dir_ / "junk.onnx").string() + " -o " + (dir_ / "out.dcz").string());
  EXPECT_EQ(e.exit_code, 2) << e.err;
  EXPECT_NE(e.err.find("dcz-encode: error: bad_onnx"), std::string::npos) << e.err;
  EXPECT_FALSE(fs::exists(dir_ / "out.dcz"));
  auto missing = run("dcz-encode", (dir_ / "absent.onnx").string() + " -o " + (dir_ / "out.dcz").string());
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  auto bad = run("dcz-decode", (kGolden / "invalid/bad_checksum--DATA_payload_checksum.dcz").string() +
                                   " -o " + (dir_ / "out.onnx").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad_checksum"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "out.onnx"));
  EXPECT_EQ(outputs(), 2u);  // model.onnx and junk.onnx: no temporary files either
}

TEST_F(CodecTools, InspectBytesAddUpAndJsonMatchesTable) {
  for (const auto& e : fs::directory_iterator(kGolden / "valid")) {
    if (e.path().extension() != ".dcz") continue;
    auto r = run("dcz-inspect", e.path().string() + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& b = j["bytes"];
    const std::uint64_t sum = b["headers"].get<std::uint64_t>() + b["graph"].get<std::uint64_t>() +
                              b["streams"].get<std::uint64_t>() + b["table"].get<std::uint64_t>() +
                              b["padding"].get<std::uint64_t>() + b["optional_sections"].get<std::uint64_t>();
    EXPECT_EQ(sum, j["file_bytes"].get<std::uint64_t>()) << e.path();
    EXPECT_EQ(j["file_bytes"].get<std::uint64_t>(), fs::file_size(e.path()));
    for (const auto& t : j["tensors"]) {
      if (t["representation"] == "sparse+codebook") {
        ASSERT_TRUE(t.contains("stages")) << t["name"];
        EXPECT_GT(t["stages"]["pq_bits"].get<std::uint64_t>(), 0u);
        EXPECT_LE(t["stages"]["nonzeros"].get<std::uint64_t>(), t["elements"].get<std::uint64_t>());
      }
    }
    auto table = run("dcz-inspect", e.path().string());
    EXPECT_EQ(table.exit_code, 0);
    EXPECT_NE(table.out.find("bytes of the file"), std::string::npos);
  }
}

TEST_F(CodecTools, InspectAnnotateMarksTheCorruptPart) {
  auto r = run("dcz-inspect", (kGolden / "invalid/bad_checksum--DATA_payload_checksum.dcz").string() + " --annotate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("<-- bad_checksum"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tensor_count"), std::string::npos);  // it went on past the bad section
  EXPECT_NE(r.err.find("dcz-inspect: error: bad_checksum"), std::string::npos);
  auto ok = run("dcz-inspect", (kGolden / "valid/all_dtypes.dcz").string() + " --annotate");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out.find("<--"), std::string::npos);
}

}  // namespace
}  // namespace dcz
