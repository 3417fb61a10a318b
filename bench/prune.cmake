# Pruning at VGG-16 scale: time and peak memory per policy vs model size, next to a naive
# full-sort reference. make_vgg16_model (also used by the quantize benchmark) writes the models.
add_executable(make_vgg16_model make_vgg16_model.cpp)
target_link_libraries(make_vgg16_model PRIVATE onnx_proto protobuf::libprotobuf dcz_options)

add_executable(bench_prune prune_bench.cpp)
target_link_libraries(bench_prune PRIVATE dcz dcz_options)
target_include_directories(bench_prune PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
target_compile_definitions(bench_prune PRIVATE DCZ_MAKE_VGG16="$<TARGET_FILE:make_vgg16_model>")
add_dependencies(bench_prune make_vgg16_model)
