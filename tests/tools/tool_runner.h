// Runs a built tool as a user would (through the shell), capturing exit code, stdout and stderr.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace dcz::testing {

struct ToolResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is pasted into a shell command line after the tool path; `stdin_file` feeds stdin.
inline ToolResult run_tool(const std::string& tool, const std::string& args,
                           const std::filesystem::path& scratch, const std::string& stdin_file = "") {
  const auto out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::string cmd = std::string(DCZ_TOOLS_DIR) + "/" + tool + " " + args + " >" + out.string() + " 2>" +
                    err.string() + " </dev/null";
  if (!stdin_file.empty()) cmd += " <" + stdin_file;
  const int status = std::system(cmd.c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace dcz::testing
