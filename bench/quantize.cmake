# k-means weight sharing: our Lloyd and exact method against a naive O(n·k) Lloyd, on a 25 M
# weight tensor and on the synthetic VGG-16 (138 M weights) end to end through ONNX; time and
# peak memory per case (each case runs in its own process). make_vgg16_model comes from
# bench/prune.cmake.
add_executable(bench_quantize quantize_bench.cpp)
target_link_libraries(bench_quantize PRIVATE dcz dcz_core dcz_options)
target_include_directories(bench_quantize PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
if(TARGET make_vgg16_model)
  target_compile_definitions(bench_quantize PRIVATE DCZ_MAKE_VGG16="$<TARGET_FILE:make_vgg16_model>")
  add_dependencies(bench_quantize make_vgg16_model)
endif()
