# dcz-eval: datasets, the OpenCV engine, evaluation and sensitivity; plus the ONNX Runtime check.
if(TARGET dcz_eval)
  find_package(ZLIB REQUIRED)
  dcz_gtest(eval_test
    SOURCES eval/dataset_test.cpp eval/engine_test.cpp eval/real_data_test.cpp
    LIBS dcz_eval ZLIB::ZLIB)
endif()
