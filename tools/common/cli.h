// Conventions shared by every dcz tool (README "Exit codes"):
//   0 success · 1 usage error · 2 malformed or invalid input · 3 I/O error ·
//   4 valid input that cannot be processed (unsupported, nothing to do, too large) · 70 internal.
// Errors print as "<tool>: error: <message>" on stderr.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "dcz/status.h"

namespace dcz::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitBadInput = 2,
  kExitIo = 3,
  kExitCannotProcess = 4,
  kExitInternal = 70,
};

int exit_code_for(ErrorCode code);

// Prints "<tool>: error: <status>" and returns its exit code.
int report(std::string_view tool, const Status& status);

// Runs `body`, turning escaped exceptions (bad_alloc, ...) into an error and exit code 70/4.
int run(std::string_view tool, const std::function<int()>& body);

std::string version_string();

}  // namespace dcz::cli
