list(APPEND DCZ_ONNX_SOURCES
  src/onnx/onnx_model.cpp
)
