# Stage 3 on whole models: our size vs the paper's P+Q+H accounting, Huffman vs entropy, decode
# speed vs protobuf parse of the dense model (issue #5).
add_executable(bench_codec codec_bench.cpp)
target_link_libraries(bench_codec PRIVATE dcz onnx_proto protobuf::libprotobuf dcz_options)
target_include_directories(bench_codec PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
target_compile_definitions(bench_codec PRIVATE DCZ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
