list(APPEND DCZ_ONNX_SOURCES
  src/model/encode_model.cpp
  src/model/decode_model.cpp
  src/model/tensor_storage.cpp
)
# std::string::resize_and_overwrite is C++23; this file alone uses it (see the file).
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  set_source_files_properties(src/model/tensor_storage.cpp PROPERTIES COMPILE_OPTIONS -std=c++2b)
endif()
