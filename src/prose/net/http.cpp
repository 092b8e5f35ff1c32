#include "prose/net/http.h"

#include <algorithm>
#include <cctype>

namespace prose::net {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
std::string_view find_header(const std::vector<std::pair<std::string, std::string>>& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (iequals(k, name)) return v;
  return {};
}
}  // namespace

std::string_view HttpRequest::header(std::string_view name) const { return find_header(headers, name); }
std::string_view HttpResponse::header(std::string_view name) const { return find_header(headers, name); }

bool HttpRequest::has_media_type(std::string_view expected) const {
  std::string_view t(content_type);
  t = t.substr(0, t.find(';'));
  auto ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!t.empty() && ows(t.front())) t.remove_prefix(1);
  while (!t.empty() && ows(t.back())) t.remove_suffix(1);
  return iequals(t, expected);
}

HttpResponse make_response(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

HttpResponse make_response(int status, std::string content_type, SecretString body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.secret_body = std::move(body);
  return r;
}

HttpResponse make_error_response(int status, std::string_view reason) {
  return make_response(status, "text/plain", std::string(reason) + "\n");
}

}  // namespace prose::net
