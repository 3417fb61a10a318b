# Pruning: the kernels alone (dcz_core, no ONNX), the model-level pruning over ONNX fixtures and
# the dcz-prune command line (dcz_test_support comes from tests/onnx/tests.cmake, included first).
dcz_gtest(test_prune_kernels SOURCES prune/kernels_test.cpp LIBS dcz_core)
if(TARGET dcz_test_support)
  dcz_gtest(test_prune
    SOURCES prune/prune_model_test.cpp prune/prune_fixtures.cpp
    LIBS dcz dcz_test_support onnx_proto)
  dcz_gtest(test_prune_tool SOURCES prune/prune_tool_test.cpp LIBS dcz dcz_test_support)
  add_dependencies(test_prune_tool dcz-prune)
endif()
