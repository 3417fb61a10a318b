# Files of lib/src/prune: the pure kernels (no ONNX) go to dcz_core, model-level pruning and its
# report to the ONNX layer.
list(APPEND DCZ_CORE_SOURCES
  src/prune/kernels.cpp
  src/prune/parallel.cpp
)
list(APPEND DCZ_ONNX_SOURCES
  src/prune/dead_units.cpp
  src/prune/dead_units_graph.cpp
  src/prune/dead_units_report.cpp
  src/prune/prune_model.cpp
  src/prune/prune_report.cpp
)
