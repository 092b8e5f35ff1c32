#include "prose/util/secret_string.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace prose {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};
static_assert(!Streamable<SecretString>, "a SecretString must never print through operator<<");
static_assert(!std::is_copy_constructible_v<SecretString> && !std::is_copy_assignable_v<SecretString>);
static_assert(std::is_nothrow_move_constructible_v<SecretString>);

// What the observer saw: that the wipe reached a buffer that held the secret, and that it is zero afterwards.
struct Seen {
  const char* p = nullptr;
  std::size_t capacity = 0;
  bool held_secret = false;
  int wipes = 0;
};
Seen g_seen;
const std::string kSecret = "<kd>00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff</kd>";

void observe(const char* p, std::size_t capacity) {
  ++g_seen.wipes;
  if (std::string_view(p, capacity).find(kSecret) != std::string_view::npos) {
    g_seen.held_secret = true;
    g_seen.p = p;
    g_seen.capacity = capacity;
  }
}

struct Observer {
  Observer() {
    g_seen = {};
    SecretString::set_wipe_observer(&observe);
  }
  ~Observer() { SecretString::set_wipe_observer(nullptr); }
};

TEST(SecretString, AdoptWipesTheSourceString) {
  std::string body = kSecret;
  SecretString s = SecretString::adopt(body);
  EXPECT_EQ(s.view(), kSecret);
  EXPECT_TRUE(body.empty());
  body.resize(body.capacity());
  EXPECT_TRUE(std::all_of(body.begin(), body.end(), [](char c) { return c == '\0'; }));
}

TEST(SecretString, DestructionWipesTheBuffer) {
  Observer o;
  { SecretString s = SecretString::copy_of(kSecret); }
  EXPECT_TRUE(g_seen.held_secret) << "the destructor wiped the buffer that held the text";
}

TEST(SecretString, ExplicitWipeZeroesAndEmpties) {
  SecretString s = SecretString::copy_of(kSecret);
  s.wipe();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.view(), "");
}

TEST(SecretString, MoveHandsTheBufferOverAndEmptiesTheSource) {
  SecretString a = SecretString::copy_of("short");  // even short text lives on the heap: a move copies nothing
  const char* buffer = a.data();
  SecretString b = std::move(a);
  EXPECT_EQ(b.data(), buffer);
  EXPECT_EQ(b.view(), "short");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checked on purpose
  SecretString c;
  c = std::move(b);
  EXPECT_EQ(c.view(), "short");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace prose
