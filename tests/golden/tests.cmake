dcz_gtest(test_golden SOURCES golden/golden_test.cpp LIBS dcz dcz_test_support)
