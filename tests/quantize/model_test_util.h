// Helpers of the model-level quantization tests: parse a synthetic model, find a tensor, read its
// float32 values and count them.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dcz/onnx_model.h"
#include "support/onnx_synthetic.h"

namespace dcz::test {

inline OnnxModel parse_model(const std::string& bytes) {
  auto m = OnnxModel::parse(as_span(bytes), {}, "test model");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

inline std::size_t tensor_index(const OnnxModel& m, std::string_view name) {
  for (std::size_t i = 0; i < m.tensor_count(); ++i) {
    if (m.tensor(i).name == name) return i;
  }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

inline std::vector<float> floats(const OnnxModel& m, std::string_view name) {
  const auto bytes = m.tensor_bytes(tensor_index(m, name));
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

inline std::size_t distinct_nonzero(const std::vector<float>& v) {
  std::set<float> s;
  for (const float x : v) {
    if (x != 0.0f) s.insert(x);
  }
  return s.size();
}

}  // namespace dcz::test
