list(APPEND DCZ_CORE_SOURCES
  src/core/status.cpp
  src/core/dtype.cpp
  src/core/encoded_tensor.cpp
  src/core/file_io.cpp
)
