# The installed CMake package (find_package(dcz), dcz::dcz) builds and links a user project.
add_test(NAME package_find_package
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/package/check_package.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(package_find_package PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
