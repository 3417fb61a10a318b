list(APPEND DCZ_CORE_SOURCES
  src/container/container_reader.cpp
  src/container/container_writer.cpp
  src/container/dense.cpp
  src/container/tensor_decode.cpp
)
list(APPEND DCZ_CORE_SOURCES src/container/encode_tensor.cpp)
list(APPEND DCZ_CORE_SOURCES src/container/inspect.cpp)
