# Symbol coder throughput (Huffman, fixed bits, zstd symbols) and whole sparse-tensor decode.
add_executable(bench_entropy entropy_bench.cpp)
target_link_libraries(bench_entropy PRIVATE dcz_core dcz_options benchmark::benchmark)
target_include_directories(bench_entropy PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
