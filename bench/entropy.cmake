# Symbol coder throughput (Huffman, fixed bits, zstd symbols) and whole sparse-tensor decode,
# representation 1 next to representation 2 (levels).
add_executable(bench_entropy entropy_bench.cpp)
target_link_libraries(bench_entropy PRIVATE dcz_core dcz_options benchmark::benchmark)
target_include_directories(bench_entropy PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)

# Levels (context-adaptive binary coding, representation 2) vs representation 1 on real models:
# size and decode speed side by side (issue #7).
add_executable(bench_levels levels_bench.cpp)
target_link_libraries(bench_levels PRIVATE dcz dcz_options)
target_include_directories(bench_levels PRIVATE ${PROJECT_SOURCE_DIR}/lib/src)
