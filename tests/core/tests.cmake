dcz_gtest(test_core SOURCES core/status_test.cpp core/file_io_test.cpp LIBS dcz_core)
