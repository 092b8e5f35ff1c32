#include "prose/gba/ub_transport.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <charconv>

namespace prose::gba {
namespace {

constexpr std::size_t kMaxResponse = 16 * 1024 + 64 * 1024;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return fail(Errc::kTimeout, "Ub: timed out");
  pollfd p{fd, events, 0};
  const int r = ::poll(&p, 1, static_cast<int>(left.count()));
  if (r == 0) return fail(Errc::kTimeout, "Ub: timed out");
  if (r < 0) return fail(Errc::kIo, "Ub: poll failed");
  return {};
}

}  // namespace

std::string_view HttpReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return {};
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return fail(Errc::kInvalidArgument, "URL must start with http://");
  url.remove_prefix(kScheme.size());
  HttpUrl u;
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) u.path = std::string(url.substr(slash));
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::kInvalidArgument, "URL: unterminated [IPv6 address]");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return fail(Errc::kInvalidArgument, "URL: ':' expected after the IPv6 address");
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return fail(Errc::kInvalidArgument, "URL: no host");
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535)
      return fail(Errc::kInvalidArgument, "URL: port must be 1..65535");
    u.port = static_cast<std::uint16_t>(p);
  }
  return u;
}

Result<HttpReply> http_get(const HttpUrl& url, const std::vector<std::pair<std::string, std::string>>& headers,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &res) != 0 || res == nullptr)
    return fail(Errc::kIo, "Ub: cannot resolve " + url.host);
  Fd s;
  s.fd = ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK, res->ai_protocol);
  const int rc = s.fd < 0 ? -1 : ::connect(s.fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (s.fd < 0) return fail(Errc::kIo, "Ub: socket failed");
  if (rc != 0) {
    if (errno != EINPROGRESS)
      return fail(Errc::kIo, "Ub: cannot connect to " + url.host + ":" + std::to_string(url.port));
    PROSE_TRY_STATUS(wait_for(s.fd, POLLOUT, deadline));
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(Errc::kIo, "Ub: cannot connect to " + url.host + ":" + std::to_string(url.port));
  }
  std::string host_header = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  std::string req = "GET " + url.path + " HTTP/1.1\r\nHost: " + host_header + ":" + std::to_string(url.port) +
                    "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  std::size_t sent = 0;
  while (sent < req.size()) {
    PROSE_TRY_STATUS(wait_for(s.fd, POLLOUT, deadline));
    const ssize_t n = ::send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) continue;
      return fail(Errc::kIo, "Ub: send failed");
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[4096];
  while (true) {
    PROSE_TRY_STATUS(wait_for(s.fd, POLLIN, deadline));
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN) continue;
      return fail(Errc::kIo, "Ub: receive failed");
    }
    if (n == 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
    if (raw.size() > kMaxResponse) return fail(Errc::kMalformed, "Ub: response too large");
  }
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos || !raw.starts_with("HTTP/1."))
    return fail(Errc::kMalformed, "Ub: not an HTTP response");
  HttpReply r;
  std::string_view head(raw.data(), end);
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return fail(Errc::kMalformed, "Ub: bad status line");
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, r.status);
  if (ec != std::errc() || p != status_line.data() + 12) return fail(Errc::kMalformed, "Ub: bad status code");
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(Errc::kMalformed, "Ub: bad header line");
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
  }
  r.body = raw.substr(end + 4);
  return r;
}

}  // namespace prose::gba
