// The one bounds-checked cursor every decoder uses (in the spirit of BoringSSL's CBS).
// Every read either succeeds or returns an Error carrying the offset; nothing reads past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose {

class ByteReader {
 public:
  explicit ByteReader(ByteView data, std::size_t base_offset = 0) : data_(data), base_(base_offset) {}

  std::size_t offset() const { return base_ + pos_; }  // absolute offset, for error messages
  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }

  Result<std::uint8_t> u8(std::string_view field = "u8");
  Result<std::uint16_t> u16(std::string_view field = "u16");  // big-endian
  Result<std::uint32_t> u24(std::string_view field = "u24");
  Result<std::uint32_t> u32(std::string_view field = "u32");
  Result<std::uint64_t> u64(std::string_view field = "u64");
  Result<ByteView> bytes(std::size_t n, std::string_view field = "bytes");
  Result<Bytes> copy(std::size_t n, std::string_view field = "bytes");
  // Length-prefixed sub-readers: the returned reader covers exactly the announced length.
  Result<ByteReader> u8_prefixed(std::string_view field = "u8-prefixed");
  Result<ByteReader> u16_prefixed(std::string_view field = "u16-prefixed");
  Result<ByteReader> sub(std::size_t n, std::string_view field = "sub");
  Result<std::uint8_t> peek_u8(std::string_view field = "u8") const;
  ByteView rest();  // consumes and returns what is left
  Status skip(std::size_t n, std::string_view field = "skip");
  // Fails with kMalformed when bytes are left over.
  Status expect_end(std::string_view what = "message") const;

  Error truncated(std::string_view field, std::size_t need) const;

 private:
  ByteView data_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

}  // namespace prose
