# Pruning: the kernels alone (dcz_core, no ONNX), the model-level pruning over ONNX fixtures and
# the dcz-prune command line (dcz_test_support comes from tests/onnx/tests.cmake, included first).
dcz_gtest(test_prune_kernels SOURCES prune/kernels_test.cpp LIBS dcz_core)
if(TARGET dcz_test_support)
  dcz_gtest(test_prune
    SOURCES prune/prune_model_test.cpp prune/prune_fixtures.cpp
    LIBS dcz dcz_test_support onnx_proto)
  dcz_gtest(test_dead_units
    SOURCES prune/dead_units_test.cpp prune/dead_units_fixtures.cpp
    LIBS dcz dcz_test_support onnx_proto)
  if(TARGET dcz_eval)  # exactness measured on the OpenCV engine
    dcz_gtest(test_dead_units_engine
      SOURCES prune/dead_units_engine_test.cpp prune/dead_units_fixtures.cpp
      LIBS dcz_eval dcz dcz_test_support onnx_proto)
  endif()
  dcz_gtest(test_prune_tool
    SOURCES prune/prune_tool_test.cpp prune/dead_units_tool_test.cpp prune/dead_units_fixtures.cpp
    LIBS dcz dcz_test_support onnx_proto)
  add_dependencies(test_prune_tool dcz-prune)
  if(TARGET dcz-compress AND TARGET dcz-decode)
    add_dependencies(test_prune_tool dcz-compress dcz-decode)
  endif()
endif()
