// CLI11 glue shared by the tool mains (header-only: each main includes CLI11 anyway).
// --help goes to stdout with exit 0; a usage error goes to stderr with exit 1 (cli.h).
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "common/cli.h"

namespace dcz::cli {

inline void add_version_flag(CLI::App& app) {
  app.set_version_flag("--version", std::string(app.get_name()) + " " + version_string());
}

// Parses argv; returns an exit code when the program should stop now (help, version, misuse).
inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return std::nullopt;
}

// The default output of a tool: the input with its extension replaced ("model.onnx" ->
// "model.dcz"). Empty for stdin, where -o is required.
inline std::filesystem::path default_output(const std::filesystem::path& input, const char* ext) {
  if (input == "-") return {};
  std::filesystem::path out = input;
  out.replace_extension(ext);
  return out;
}

// zstd's convention: an existing output is replaced only with --force, and never when it is the
// input itself (compared by file identity, so "./m.onnx" and "m.onnx" are the same).
inline Status check_output(const std::filesystem::path& output, bool force,
                           const std::filesystem::path& input = {}) {
  if (output.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "reading from stdin: name the output with -o");
  }
  if (output == "-") return Status::ok();
  std::error_code ec;
  if (!input.empty() && input != "-" && std::filesystem::equivalent(output, input, ec)) {
    return make_error(ErrorCode::kInvalidArgument, output.string() + " is the input file");
  }
  if (!force && std::filesystem::exists(output)) {
    return make_error(ErrorCode::kInvalidArgument,
                      output.string() + " exists; use --force to replace it");
  }
  return Status::ok();
}

}  // namespace dcz::cli
