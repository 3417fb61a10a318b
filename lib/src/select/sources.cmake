# Files of lib/src/select: weight selection and recipes (ONNX layer: uses OnnxModel's tensor list).
list(APPEND DCZ_ONNX_SOURCES
  src/select/selection.cpp
  src/select/select_model.cpp
  src/select/recipe.cpp
)
