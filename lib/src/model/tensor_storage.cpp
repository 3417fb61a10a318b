// Built as C++23 (lib/src/model/sources.cmake) for std::string::resize_and_overwrite, the one
// standard way to size a string without writing it; libstdc++ 12 has no C++20 spelling of it.
// With a library that lacks it, the string is zero-filled as resize does, at the cost of a pass.
#include "model/tensor_storage.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace dcz::model_internal {
namespace {

void advise_huge_pages(char* data, std::size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(data) + n) & ~(kHuge - 1);
  // A hint: if the kernel refuses it (no THP, THP "never"), the storage stays on small pages.
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)n;
#endif
}

}  // namespace

void resize_for_overwrite(std::string& s, std::size_t n) {
#if defined(__cpp_lib_string_resize_and_overwrite)
  // The size comes from n, not from the callback's argument: libstdc++ 12 passes the grown
  // capacity there (30 for n = 16 on an empty string), not n.
  s.resize_and_overwrite(n, [n](char*, std::size_t) { return n; });
#else
  s.resize(n);
#endif
  if (n >= kHugePageStorageBytes) advise_huge_pages(s.data(), n);
}

}  // namespace dcz::model_internal
