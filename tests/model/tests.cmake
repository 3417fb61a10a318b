dcz_gtest(test_model SOURCES model/model_roundtrip_test.cpp model/decode_threads_test.cpp
  model/tensor_storage_test.cpp
  LIBS dcz dcz_test_support)
