# Kernels and tensor-level quantization (dcz_core only).
dcz_gtest(test_quantize_core
  SOURCES quantize/kmeans_test.cpp quantize/optimal_test.cpp quantize/optimal_solvers_test.cpp
          quantize/tensor_quantize_test.cpp
          quantize/radix_sort_test.cpp quantize/test_data.cpp
  LIBS dcz_core)
# Model-level quantization over synthetic and real ONNX models.
dcz_gtest(test_quantize_model
  SOURCES quantize/quantize_model_test.cpp
  LIBS dcz dcz_test_support onnx_proto)
# The command-line tool, run as a user would.
dcz_gtest(test_quantize_tool
  SOURCES quantize/quantize_tool_test.cpp
  LIBS dcz dcz_test_support onnx_proto)
add_dependencies(test_quantize_tool dcz-quantize)
# Rate-aware (entropy-constrained) quantization: the tensor kernel and the model level.
dcz_gtest(test_rate_quantize
  SOURCES quantize/rate_quantize_test.cpp quantize/rate_model_test.cpp quantize/rate_scale_test.cpp
          quantize/rate_output_gram_test.cpp
          quantize/test_data.cpp
  LIBS dcz dcz_test_support onnx_proto)
dcz_gtest(test_rate_quantize_tool
  SOURCES quantize/rate_tool_test.cpp
  LIBS dcz dcz_test_support onnx_proto)
add_dependencies(test_rate_quantize_tool dcz-quantize)
