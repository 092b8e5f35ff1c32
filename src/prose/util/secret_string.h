// SecretString: text that carries key material (a PC8 XML body with a KD, PRUK or PMK in hex; a K or OPc in hex
// before it is parsed). Like SecretBytes: wiped on destruction and on move-from, move-only, never printable.
//
// The text always lives in a heap buffer of its own (never in std::string's small-string buffer), so a move hands
// the buffer over instead of copying the characters, and a wipe reaches every copy this type ever made.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

#include "prose/util/secret.h"

namespace prose {

class SecretString {
 public:
  SecretString() = default;
  // Takes the text and wipes the source string (its whole buffer, not just its size).
  static SecretString adopt(std::string& s) {
    SecretString out;
    out.buf_.reserve(std::max(s.size(), kMinCapacity));
    out.buf_.append(s);
    wipe_string(s);
    return out;
  }
  static SecretString adopt(std::string&& s) { return adopt(s); }
  // Copies the text (the caller wipes its source, or the source is not secret).
  static SecretString copy_of(std::string_view v) {
    SecretString out;
    out.buf_.reserve(std::max(v.size(), kMinCapacity));
    out.buf_.append(v);
    return out;
  }

  ~SecretString() { wipe(); }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& o) noexcept : buf_(std::move(o.buf_)) { o.wipe(); }
  SecretString& operator=(SecretString&& o) noexcept {
    if (this != &o) {
      wipe();
      buf_ = std::move(o.buf_);
      o.wipe();
    }
    return *this;
  }

  std::string_view view() const { return buf_; }
  const char* data() const { return buf_.data(); }
  std::size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }

  void wipe() {
    if (wipe_observer_ != nullptr && buf_.capacity() != 0) wipe_observer_(buf_.data(), buf_.capacity());
    wipe_string(buf_);
  }

  // Test hook: called with the buffer and its capacity just before every wipe of a non-empty buffer.
  using WipeObserver = void (*)(const char* p, std::size_t capacity);
  static void set_wipe_observer(WipeObserver o) { wipe_observer_ = o; }

  // Never printable: write view() on purpose where the text must go out (an HTTP body).
  friend std::ostream& operator<<(std::ostream&, const SecretString&) = delete;

 private:
  static constexpr std::size_t kMinCapacity = 32;  // above every std::string small-string buffer
  static void wipe_string(std::string& s) {
    s.resize(s.capacity());  // within capacity: no reallocation, the whole buffer becomes addressable
    secure_wipe(s.data(), s.size());
    s.clear();
  }
  inline static WipeObserver wipe_observer_ = nullptr;

  std::string buf_;
};

}  // namespace prose
