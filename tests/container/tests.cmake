add_library(dcz_container_fixture STATIC container/container_fixture.cpp)
target_include_directories(dcz_container_fixture PUBLIC ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/lib/src)
target_link_libraries(dcz_container_fixture PUBLIC dcz_core PRIVATE dcz_options PkgConfig::XXHASH)
dcz_gtest(test_container SOURCES container/container_test.cpp container/worked_example_test.cpp
  container/levels_container_test.cpp LIBS dcz_container_fixture dcz_core)
