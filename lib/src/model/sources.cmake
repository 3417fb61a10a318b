list(APPEND DCZ_ONNX_SOURCES
  src/model/encode_model.cpp
  src/model/decode_model.cpp
)
