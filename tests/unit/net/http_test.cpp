#include "prose/net/http.h"

#include <gtest/gtest.h>

namespace prose::net {
namespace {

HttpRequest with_type(std::string t) {
  HttpRequest r;
  r.content_type = std::move(t);
  return r;
}

// RFC 9110 8.3.1: "The type and subtype tokens are case-insensitive." Parameters follow ';' with optional whitespace.
TEST(HttpRequest, MediaTypeIsComparedCaseInsensitivelyWithoutParameters) {
  const char* kType = "application/vnd.3gpp.prose-pc8+xml";
  EXPECT_TRUE(with_type("application/vnd.3gpp.prose-pc8+xml").has_media_type(kType));
  EXPECT_TRUE(with_type("Application/VND.3gpp.ProSe-PC8+XML").has_media_type(kType));
  EXPECT_TRUE(with_type("application/vnd.3gpp.prose-pc8+xml; charset=utf-8").has_media_type(kType));
  EXPECT_TRUE(with_type(" application/vnd.3gpp.prose-pc8+xml\t;charset=\"UTF-8\"").has_media_type(kType));
  EXPECT_FALSE(with_type("").has_media_type(kType));
  EXPECT_FALSE(with_type("application/xml").has_media_type(kType));
  EXPECT_FALSE(with_type("application/vnd.3gpp.prose-pc8+xmlx").has_media_type(kType));
  EXPECT_FALSE(with_type("application/vnd.3gpp.prose-pc8").has_media_type(kType));
  EXPECT_FALSE(with_type("application/vnd.3gpp.prose pc8+xml").has_media_type(kType));
}

}  // namespace
}  // namespace prose::net
