// Plain HTTP/1.1 request and response values passed between the HTTPS transport and its users.
// No Beast types: users of the net module do not compile Beast.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prose/util/secret_string.h"

namespace prose::net {

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";  // path and query, e.g. "/prose/pc8"
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // other header fields, in order
  // The IP address of the connection's remote end in text form (an IPv4-mapped IPv6 address as IPv4), set by the
  // server; empty when unknown. The PKMF sends MIKEY there (issue 17 defect 4).
  std::string remote_address;

  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  // The Content-Type's media type is `expected` (RFC 9110 8.3.1: type and subtype are case-insensitive; parameters
  // after ';' and optional whitespace are ignored).
  bool has_media_type(std::string_view expected) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // A body that carries key material (a PC8 response with a KD, PRUK or PMK in hex) travels here instead of in
  // `body`: the HTTPS server writes it from this buffer and wipes it once written. A server-side value only (the
  // client fills `body`).
  SecretString secret_body;
  std::vector<std::pair<std::string, std::string>> headers;

  std::string_view header(std::string_view name) const;
  // The body, from whichever of `body` and `secret_body` holds it.
  std::string_view body_text() const { return secret_body.empty() ? std::string_view(body) : secret_body.view(); }
};

HttpResponse make_response(int status, std::string content_type, std::string body);
// A response whose body carries key material (secret_body): wiped after it is written, never copied on the way.
HttpResponse make_response(int status, std::string content_type, SecretString body);
// A short text/plain error response, e.g. 404 "not found".
HttpResponse make_error_response(int status, std::string_view reason);

}  // namespace prose::net
