# Files of lib/src/quantize (appended to the layers' source lists).
# Kernels and tensor-level quantization: no ONNX.
list(APPEND DCZ_CORE_SOURCES
  src/quantize/radix_sort.cpp
  src/quantize/init.cpp
  src/quantize/lloyd.cpp
  src/quantize/optimal.cpp
  src/quantize/optimal_lagrange.cpp
  src/quantize/kmeans.cpp
  src/quantize/tensor_quantize.cpp
  src/quantize/rate_levels.cpp
  src/quantize/rate_tensor.cpp
  src/quantize/rate_feedback.cpp
)
# Model-level quantization and its report: the ONNX layer.
list(APPEND DCZ_ONNX_SOURCES
  src/quantize/model_quantize.cpp
  src/quantize/quantize_report.cpp
  src/quantize/rate_layers.cpp
  src/quantize/rate_model.cpp
  src/quantize/rate_report.cpp
)
