# Fuzz targets. Normally each is linked with a replay driver and run by ctest over its corpus
# plus deterministic mutations; with -DDCZ_FUZZ=ON (CXX=clang++) they link libFuzzer instead for
# open-ended campaigns: ./fuzz_container tests/fuzz/corpus/container tests/golden
set(DCZ_FUZZ_MUTATIONS 300 CACHE STRING "Mutations per corpus file in the ctest replay")

function(dcz_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;CORPUS" ${ARGN})
  if(DCZ_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${F_SOURCES} fuzz/replay_main.cpp)
    add_test(NAME ${name}_replay COMMAND ${name} --mutations ${DCZ_FUZZ_MUTATIONS} ${F_CORPUS})
    set_tests_properties(${name}_replay PROPERTIES TIMEOUT 900 LABELS "fuzz;core")
  endif()
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${F_LIBS} dcz_options)
endfunction()

set(_fz ${CMAKE_CURRENT_SOURCE_DIR})
dcz_fuzz_target(fuzz_container SOURCES fuzz/fuzz_container.cpp LIBS dcz_container_fixture dcz_core
  CORPUS ${_fz}/fuzz/corpus/container ${_fz}/golden)
dcz_fuzz_target(fuzz_encode_decode SOURCES fuzz/fuzz_encode_decode.cpp LIBS dcz_core
  CORPUS ${_fz}/fuzz/corpus/encode_decode)
dcz_fuzz_target(fuzz_model_decode SOURCES fuzz/fuzz_model_decode.cpp LIBS dcz
  CORPUS ${_fz}/fuzz/corpus/container ${_fz}/golden)
dcz_fuzz_target(fuzz_onnx_parse SOURCES fuzz/fuzz_onnx_parse.cpp LIBS dcz
  CORPUS ${_fz}/fuzz/corpus/onnx)
dcz_fuzz_target(fuzz_levels_decode SOURCES fuzz/fuzz_levels_decode.cpp LIBS dcz_core
  CORPUS ${_fz}/fuzz/corpus/levels)
if(EXISTS ${_fz}/fuzz/fuzz_sparse_decode.cpp)
  dcz_fuzz_target(fuzz_sparse_decode SOURCES fuzz/fuzz_sparse_decode.cpp LIBS dcz_core
    CORPUS ${_fz}/fuzz/corpus/sparse)
endif()
