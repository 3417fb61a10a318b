// Helpers shared by the ONNX adapter tests.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace dcz::test {

inline OnnxModel parse_or_die(const std::string& bytes, const std::string& name = "test") {
  auto m = OnnxModel::parse(as_span(bytes), {}, name);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  if (!m) throw std::runtime_error(m.status().to_string());
  return std::move(m).value();
}

// What protobuf itself writes for these bytes: the reference for exact round trips.
inline std::string canonical(const std::string& bytes) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  std::string out;
  EXPECT_TRUE(m.SerializeToString(&out));
  return out;
}

// A fresh empty folder under the build's temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("dcz-onnx-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Every .onnx under a folder, sorted, or empty if the folder is absent.
inline std::vector<std::filesystem::path> onnx_files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".onnx") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::filesystem::path> real_models() {
  auto a = onnx_files_in(std::filesystem::path(DCZ_SHARED_DIR) / "models");
  auto b = onnx_files_in(std::filesystem::path(DCZ_SOURCE_DIR) / "samples");
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::size_t find_tensor(const OnnxModel& m, const std::string& name) {
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).name == name) return i;
  }
  ADD_FAILURE() << "no tensor named " << name;
  return 0;
}

inline std::vector<std::string> synthetic_model_names() {
  return {"all_dtypes", "constant_and_subgraph", "sparse_initializer", "mlp", "conv"};
}

inline std::string synthetic_model(const std::string& name) {
  if (name == "all_dtypes") return make_all_dtypes_model();
  if (name == "constant_and_subgraph") return make_constant_and_subgraph_model();
  if (name == "sparse_initializer") return make_sparse_initializer_model();
  if (name == "mlp") return make_mlp_model({20, 16, 10}, 7);
  return make_conv_model();
}

}  // namespace dcz::test
