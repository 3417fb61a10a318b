# dcz-eval benchmark: the compression-vs-accuracy table of bench/eval/compression_table.sh.
# Run it with `cmake --build BUILD --target bench_eval_table` (minutes: sensitivity sweeps).
if(TARGET dcz-eval AND TARGET dcz-prune AND TARGET dcz-quantize AND TARGET dcz-encode)
  add_custom_target(bench_eval_table
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/eval/compression_table.sh ${PROJECT_BINARY_DIR}
    DEPENDS dcz-eval dcz-prune dcz-quantize dcz-encode
    USES_TERMINAL
    COMMENT "Compression ratio within 0.5 / 1.0 points of top-1, no retraining, vs zstd -19 and xz -9")
endif()
