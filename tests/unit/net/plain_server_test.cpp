// LoopbackHttpServer: plain HTTP on loopback only (issue 17, defect 9: the PKMF's metrics_listen).
#include "prose/net/plain_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace prose::net {
namespace {

// Sends `request` raw over TCP and returns everything the server answers until it closes.
std::string http_exchange(std::uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

HttpResponse metrics_handler(const HttpRequest& r) {
  if (r.target != "/metrics") return make_error_response(404, "not found");
  return make_response(200, "text/plain; version=0.0.4", "m_total 1\n");
}

TEST(LoopbackHttp, ServesGetAndHeadAndRefusesTheRest) {
  LoopbackHttpServer server({}, metrics_handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().to_string();
  std::string get = http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(get.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << get;
  EXPECT_NE(get.find("Content-Type: text/plain; version=0.0.4\r\n"), std::string::npos) << get;
  EXPECT_NE(get.find("Connection: close\r\n"), std::string::npos) << get;
  EXPECT_EQ(get.substr(get.size() - 10), "m_total 1\n");
  std::string head = http_exchange(*port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 10\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << head;  // no body
  EXPECT_EQ(http_exchange(*port, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  std::string post = http_exchange(*port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos) << post;
  EXPECT_EQ(http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                .rfind("HTTP/1.1 413", 0),
            0u);
  EXPECT_EQ(http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0u);
  EXPECT_EQ(http_exchange(*port, "GARBAGE\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
}

TEST(LoopbackHttp, BindsLoopbackOnly) {
  for (const char* addr : {"0.0.0.0", "::", "10.1.2.3", "192.0.2.1", "not-an-ip"}) {
    LoopbackHttpServerConfig c;
    c.bind_address = addr;
    LoopbackHttpServer s(c, metrics_handler);
    auto r = s.start();
    ASSERT_FALSE(r.ok()) << addr;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << addr;
  }
  LoopbackHttpServerConfig c;
  c.bind_address = "127.0.0.2";  // all of 127.0.0.0/8 is loopback
  LoopbackHttpServer s(c, metrics_handler);
  EXPECT_TRUE(s.start().ok());
}

TEST(LoopbackHttp, ConnectionsOverTheCapAreClosed) {
  LoopbackHttpServerConfig c;
  c.max_connections = 2;
  c.timeout = std::chrono::milliseconds(2000);
  LoopbackHttpServer server(c, metrics_handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  // Two silent connections take the slots; a third is closed at once; after the timeout the server is free again.
  std::vector<int> idle;
  for (int i = 0; i < 2; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(*port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    idle.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(http_exchange(*port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  for (int fd : idle) ::close(fd);
}

TEST(LoopbackHttp, ParsesLoopbackEndpoints) {
  auto v4 = parse_loopback_endpoint("127.0.0.1:9464");
  ASSERT_TRUE(v4.ok()) << v4.error().to_string();
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 9464);
  auto v6 = parse_loopback_endpoint("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.error().to_string();
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 0);
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:9x", "127.0.0.1:99999999999",
                          "localhost:9464", "0.0.0.0:9464", "10.0.0.1:9464", "[::]:9464", ":9464"}) {
    auto r = parse_loopback_endpoint(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << bad;
    }
  }
  EXPECT_NE(parse_loopback_endpoint("0.0.0.0:9464").error().message.find("must be a loopback address"),
            std::string::npos);
}

}  // namespace
}  // namespace prose::net
