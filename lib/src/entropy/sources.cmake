# Files of lib/src/entropy (appended to the layer's source list). No ONNX: dcz_core only.
list(APPEND DCZ_CORE_SOURCES
  src/entropy/codebook.cpp
  src/entropy/fixed_bits.cpp
  src/entropy/huffman_decode.cpp
  src/entropy/huffman_encode.cpp
  src/entropy/huffman_lengths.cpp
  src/entropy/levels_decode.cpp
  src/entropy/levels_encode.cpp
  src/entropy/levels_params.cpp
  src/entropy/positions.cpp
  src/entropy/sparse_decode.cpp
  src/entropy/sparse_encode.cpp
  src/entropy/sparse_params.cpp
  src/entropy/stream_error.cpp
  src/entropy/symbol_stream.cpp
  src/entropy/zstd_symbols.cpp
)
