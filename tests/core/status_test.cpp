#include "dcz/status.h"

#include <gtest/gtest.h>

namespace dcz {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error(ErrorCode::kInvalidArgument, "odd: " + std::to_string(x));
  return x / 2;
}

Status quarter(int x, int& out) {
  DCZ_ASSIGN_OR_RETURN(int h, half(x));
  DCZ_ASSIGN_OR_RETURN(int q, half(h));
  out = q;
  return Status::ok();
}

TEST(Status, PropagatesFirstErrorWithItsCode) {
  int out = -1;
  EXPECT_TRUE(quarter(8, out).is_ok());
  EXPECT_EQ(out, 2);
  Status s = quarter(6, out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 3");
}

TEST(Status, ContextPrefixesMessageAndKeepsCode) {
  Status s = make_error(ErrorCode::kBadChecksum, "section DATA").with_context("m.dcz");
  EXPECT_EQ(s.code(), ErrorCode::kBadChecksum);
  EXPECT_EQ(s.to_string(), "bad_checksum: m.dcz: section DATA");
}

TEST(Status, CodeNamesArePinned) {
  // Names and numbers are public (--json, golden tables): changing one is a breaking change.
  EXPECT_EQ(error_code_name(ErrorCode::kBadMagic), "bad_magic");
  EXPECT_EQ(static_cast<int>(ErrorCode::kBadMagic), 200);
  EXPECT_EQ(static_cast<int>(ErrorCode::kBadHuffmanTable), 301);
  EXPECT_EQ(static_cast<int>(ErrorCode::kBadOnnx), 400);
}

}  // namespace
}  // namespace dcz
