# Shared fixtures: synthetic ONNX models for every area's tests (tests/support/onnx_synthetic.h).
add_library(dcz_test_support STATIC support/onnx_synthetic.cpp)
target_include_directories(dcz_test_support PUBLIC ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(dcz_test_support PUBLIC dcz onnx_proto PRIVATE dcz_options)

dcz_gtest(test_onnx
  SOURCES
    onnx/roundtrip_test.cpp
    onnx/skeleton_test.cpp
    onnx/external_data_test.cpp
    onnx/malformed_test.cpp
    onnx/tensor_order_test.cpp
    onnx/save_test.cpp
    onnx/load_file_test.cpp
  LIBS dcz dcz_test_support onnx onnx_proto)
