# The ONNX adapter (lib/include/dcz/onnx_model.h); internal header onnx_model_impl.h.
list(APPEND DCZ_ONNX_SOURCES
  src/onnx/onnx_model.cpp
  src/onnx/load.cpp
  src/onnx/enumerate.cpp
  src/onnx/external_data.cpp
  src/onnx/typed_storage.cpp
  src/onnx/storage_scopes.cpp
  src/onnx/save.cpp
  src/onnx/skeleton.cpp
  src/onnx/compare.cpp
)
