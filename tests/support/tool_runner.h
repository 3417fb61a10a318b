// Runs a built tool as a user would (through the shell), capturing exit code, stdout and stderr.
// One helper for every CLI test, so they all observe tools the same way.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dcz::testing {

struct ToolResult {
  int exit_code = -1;  // -1 when the tool did not exit normally (killed by a signal)
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The path of a built tool: `name` relative to the build's tools folder ("dcz-encode",
// "eval/dcz-eval").
inline std::string tool_path(const std::string& name) { return std::string(DCZ_TOOLS_DIR) + "/" + name; }

struct ToolRunOptions {
  std::string stdin_file;          // fed to stdin; empty: /dev/null
  std::filesystem::path work_dir;  // the tool's working folder; empty: the test's own
};

// Runs tool_path(tool) with `args` pasted into a shell command line (quoting and any extra
// redirection are the caller's);
// stdout and stderr go through files in `scratch`, which must exist.
inline ToolResult run_tool(const std::string& tool, const std::string& args,
                           const std::filesystem::path& scratch, const ToolRunOptions& options = {}) {
  const auto out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::string cmd;
  if (!options.work_dir.empty()) cmd = "cd '" + options.work_dir.string() + "' && ";
  // stdin before `args`, so a redirection inside `args` ("< model.onnx") still wins.
  cmd += "'" + tool_path(tool) + "'";
  cmd += options.stdin_file.empty() ? " </dev/null " : " <'" + options.stdin_file + "' ";
  cmd += args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace dcz::testing
