# ONNX adapter throughput: parse, serialize, skeleton, save/load with external data, next to
# plain protobuf parse/serialize of the same bytes. Uses the synthetic models of the tests.
if(TARGET dcz_test_support)
  add_executable(bench_onnx onnx_bench.cpp)
  target_link_libraries(bench_onnx PRIVATE dcz dcz_test_support onnx_proto dcz_options
                        benchmark::benchmark)
  target_include_directories(bench_onnx PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
  target_compile_definitions(bench_onnx PRIVATE DCZ_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
endif()
