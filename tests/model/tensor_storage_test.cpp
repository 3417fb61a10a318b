// The storage decode_model decodes each tensor into: exactly the requested size whatever the
// string held before (libstdc++ 12's resize_and_overwrite hands its callback the grown capacity,
// not the size: 30 for 16 bytes on an empty string), every byte writable, huge-page hint or not.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "model/tensor_storage.h"

namespace dcz {
namespace {

TEST(TensorStorage, ResizeForOverwriteGivesExactlyTheSize) {
  using model_internal::kHugePageStorageBytes;
  const std::size_t sizes[] = {0,   1,    15,   16,   17,   29,   30,   31,   64,
                               100, 4096, 4097, kHugePageStorageBytes - 1, kHugePageStorageBytes,
                               kHugePageStorageBytes + 12345, 3 * kHugePageStorageBytes};
  const std::string priors[] = {"", "abc", std::string(40, 'x'), std::string(5000, 'y')};
  for (const std::string& prior : priors) {
    for (std::size_t n : sizes) {
      SCOPED_TRACE("from " + std::to_string(prior.size()) + " bytes to " + std::to_string(n));
      std::string s = prior;
      model_internal::resize_for_overwrite(s, n);
      ASSERT_EQ(s.size(), n);
      std::memset(s.data(), 0x5A, n);  // every byte is the caller's to write
      EXPECT_EQ(s, std::string(n, '\x5A'));
      EXPECT_EQ(s.c_str()[n], '\0');
    }
  }
}

}  // namespace
}  // namespace dcz
