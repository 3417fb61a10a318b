# Files of lib/src/prune: the pure kernels (no ONNX) go to dcz_core, model-level pruning and its
# report to the ONNX layer.
list(APPEND DCZ_CORE_SOURCES
  src/prune/kernels.cpp
  src/prune/parallel.cpp
)
