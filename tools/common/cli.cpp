#include "common/cli.h"

#include <cstdio>
#include <exception>
#include <new>

namespace dcz::cli {

int exit_code_for(ErrorCode code) {
  const auto v = static_cast<unsigned>(code);
  if (code == ErrorCode::kOk) return kExitOk;
  if (code == ErrorCode::kInvalidArgument) return kExitUsage;
  if (code == ErrorCode::kIo) return kExitIo;
  if (code == ErrorCode::kUnsupported || code == ErrorCode::kNothingToDo ||
      code == ErrorCode::kOutOfMemory || code == ErrorCode::kModelTooLarge ||
      code == ErrorCode::kOnnxCheckFailed || code == ErrorCode::kEngineFailed) {
    return kExitCannotProcess;
  }
  if (v >= 200) return kExitBadInput;
  return kExitInternal;
}

int report(std::string_view tool, const Status& status) {
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(tool.size()), tool.data(),
               status.to_string().c_str());
  return exit_code_for(status.code());
}

int run(std::string_view tool, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return report(tool, make_error(ErrorCode::kOutOfMemory, "out of memory"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%.*s: internal error: %s\n", static_cast<int>(tool.size()), tool.data(),
                 e.what());
    return kExitInternal;
  }
}

std::string version_string() { return DCZ_VERSION_STRING; }

}  // namespace dcz::cli
