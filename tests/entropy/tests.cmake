dcz_gtest(test_entropy
  SOURCES
    entropy/huffman_test.cpp
    entropy/symbol_stream_test.cpp
    entropy/positions_test.cpp
    entropy/sparse_roundtrip_test.cpp
    entropy/sparse_malformed_test.cpp
    entropy/sparse_accounting_test.cpp
    entropy/sparse_decode_paths_test.cpp
    entropy/levels_roundtrip_test.cpp
    entropy/levels_malformed_test.cpp
  LIBS dcz_core)
