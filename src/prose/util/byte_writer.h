// The one growing writer every encoder uses (in the spirit of BoringSSL's CBB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { buf_.reserve(reserve); }
  // Writes into `reuse`'s storage (content discarded, capacity kept), so hot paths such as PDCP can encode without
  // a heap allocation per message; take() hands the buffer back.
  static ByteWriter reusing(Bytes&& reuse) {
    ByteWriter w;
    w.buf_ = std::move(reuse);
    w.buf_.clear();
    return w;
  }

  ByteWriter& u8(std::uint8_t v);
  ByteWriter& u16(std::uint16_t v);  // big-endian
  ByteWriter& u24(std::uint32_t v);  // low 24 bits
  ByteWriter& u32(std::uint32_t v);
  ByteWriter& u64(std::uint64_t v);
  ByteWriter& bytes(ByteView v);
  ByteWriter& str(std::string_view s);

  // Reserve a length field now and fill it in later with the number of octets written after it.
  std::size_t begin_u8_length() { return begin_length(1); }
  std::size_t begin_u16_length() { return begin_length(2); }
  // Fails (kInvalidArgument) when the content does not fit the length field.
  Status end_length(std::size_t marker);

  std::size_t size() const { return buf_.size(); }
  const Bytes& data() const { return buf_; }
  Bytes take() { return std::move(buf_); }

 private:
  std::size_t begin_length(std::size_t width);
  Bytes buf_;
  // marker -> width is encoded in the high bits of the marker to keep the API small.
};

}  // namespace prose
