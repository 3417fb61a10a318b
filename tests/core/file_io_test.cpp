#include "dcz/file_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace dcz {
namespace {

namespace fs = std::filesystem;

class FileIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dcz_file_io_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(FileIo, OutputAppearsOnlyAtCommit) {
  fs::path p = dir_ / "out.bin";
  auto out = OutputFile::create(p, {});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_TRUE(out->write(std::string_view("hello")).is_ok());
  EXPECT_FALSE(fs::exists(p));
  ASSERT_TRUE(out->commit().is_ok());
  EXPECT_EQ(fs::file_size(p), 5u);
  EXPECT_EQ(entries(), 1u);  // no temporary file left
}

TEST_F(FileIo, AbandonedOutputLeavesNothingAndKeepsOldFile) {
  fs::path p = dir_ / "out.bin";
  { std::ofstream(p) << "old"; }
  {
    auto out = OutputFile::create(p, {});
    ASSERT_TRUE(out.is_ok());
    ASSERT_TRUE(out->write(std::string_view("new contents")).is_ok());
  }
  EXPECT_EQ(fs::file_size(p), 3u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(FileIo, RefusesToOverwriteInput) {
  fs::path p = dir_ / "model.onnx";
  { std::ofstream(p) << "x"; }
  OutputFile::Options o;
  o.inputs = {dir_ / "." / "model.onnx"};
  auto out = OutputFile::create(p, o);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(FileIo, PatchesWrittenBytes) {
  fs::path p = dir_ / "patched.bin";
  auto out = OutputFile::create(p, {});
  ASSERT_TRUE(out.is_ok());
  ASSERT_TRUE(out->write(std::string_view("abcdef")).is_ok());
  const std::uint8_t xy[] = {'X', 'Y'};
  ASSERT_TRUE(out->write_at(2, xy).is_ok());
  EXPECT_FALSE(out->write_at(5, xy).is_ok());
  ASSERT_TRUE(out->commit().is_ok());
  auto in = InputFile::open(p);
  ASSERT_TRUE(in.is_ok());
  EXPECT_EQ(std::string(in->bytes().begin(), in->bytes().end()), "abXYef");
}

TEST_F(FileIo, MissingInputIsIoErrorNamingPath) {
  auto in = InputFile::open(dir_ / "nope.dcz");
  ASSERT_FALSE(in.is_ok());
  EXPECT_EQ(in.status().code(), ErrorCode::kIo);
  EXPECT_NE(in.status().message().find("nope.dcz"), std::string::npos);
}

}  // namespace
}  // namespace dcz
