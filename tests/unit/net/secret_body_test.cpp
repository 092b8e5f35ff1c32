// A response body that carries key material (HttpResponse::secret_body, a SecretString) goes to the socket from its
// own buffer and is wiped once written: the HTTPS server wipes it after async_write completes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "prose/util/secret_string.h"
#include "test_util.h"

namespace prose::net {
namespace {

using test::client_config;
using test::server_config;

static_assert(std::is_same_v<decltype(HttpResponse{}.secret_body), SecretString>);
static_assert(!std::is_copy_constructible_v<HttpResponse>, "a response with a secret body is never copied");

const std::string kKdXml =
    "<KD>5e7c1a4f0b2d3c4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd</KD>";  // as in a PC8 KD response

// Wipes of a buffer that held the KD text, seen from the server's thread, and the last such buffer.
std::atomic<int> g_wiped_kd{0};
std::atomic<const char*> g_wiped_buffer{nullptr};
void observe(const char* p, std::size_t capacity) {
  if (std::string_view(p, capacity).find(kKdXml) == std::string_view::npos) return;
  g_wiped_buffer = p;
  ++g_wiped_kd;
}

struct Observer {
  Observer() {
    g_wiped_kd = 0;
    SecretString::set_wipe_observer(&observe);
  }
  ~Observer() { SecretString::set_wipe_observer(nullptr); }
};

TEST(HttpResponse, SecretBodyIsItsOwnField) {
  HttpResponse r = make_response(200, "application/xml", SecretString::copy_of(kKdXml));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.secret_body.view(), kKdXml);
  EXPECT_EQ(r.body_text(), kKdXml);
  HttpResponse plain = make_response(200, "text/plain", std::string("x"));
  EXPECT_EQ(plain.body_text(), "x");
}

TEST(HttpsServer, WipesASecretBodyAfterWritingIt) {
  Observer o;
  std::atomic<const char*> made{nullptr};
  auto handler = [&made](const PeerIdentity&, const HttpRequest&) {
    SecretString body = SecretString::copy_of(kKdXml);
    made = body.data();
    return make_response(200, "application/xml", std::move(body));
  };
  auto server = std::make_unique<HttpsServer>(server_config(), handler);
  auto port = server->start();
  ASSERT_TRUE(port.ok()) << port.error().to_string();
  auto c = HttpsClient::create(client_config(*port));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const int before = g_wiped_kd.load();
  auto r = (*c)->post("/prose/pc8", "application/xml", "x");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body, kKdXml) << "the body goes out unchanged";
  // The server wipes its buffer when the write completes, which may be just after the client has the response.
  for (int i = 0; i < 200 && g_wiped_kd.load() == before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(g_wiped_kd.load(), before + 1) << "the one buffer that held the KD was wiped, once";
  EXPECT_EQ(g_wiped_buffer.load(), made.load()) << "the handler's buffer went to the socket without a copy";
  server->stop();
}

}  // namespace
}  // namespace prose::net
