// The UE's Ub transport: one HTTP/1.1 GET per connection over plain TCP (Connection: close), enough for
// `prose gba bootstrap` and the tests against the BSF emulator. Not a general HTTP client: no TLS, no chunked
// bodies, no redirects; response headers at most 16 KiB, body at most 64 KiB.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prose/util/result.h"

namespace prose::gba {

struct HttpUrl {
  std::string host;  // IPv4/IPv6 literal or name
  std::uint16_t port = 80;
  std::string path = "/";
};
// "http://HOST[:PORT][/PATH]"; kInvalidArgument otherwise (https is not handled here).
Result<HttpUrl> parse_http_url(std::string_view url);

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view header(std::string_view name) const;  // case-insensitive, first match or empty
};
// kIo: cannot connect / send / receive; kTimeout; kMalformed: not an HTTP/1.x response.
Result<HttpReply> http_get(const HttpUrl& url, const std::vector<std::pair<std::string, std::string>>& headers,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace prose::gba
