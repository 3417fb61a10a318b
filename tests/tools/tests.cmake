dcz_gtest(test_tools SOURCES tools/codec_tools_test.cpp tools/compress_tool_test.cpp
  tools/compress_search_test.cpp
  LIBS nlohmann_json::nlohmann_json)
add_dependencies(test_tools dcz-encode dcz-decode dcz-inspect dcz-compress)
