#include "prose/util/byte_writer.h"

#include <string>

namespace prose {

namespace {
constexpr std::size_t kWidthShift = 56;
}

ByteWriter& ByteWriter::u8(std::uint8_t v) {
  buf_.push_back(v);
  return *this;
}
ByteWriter& ByteWriter::u16(std::uint16_t v) {
  buf_.push_back(static_cast<std::uint8_t>(v >> 8));
  buf_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}
ByteWriter& ByteWriter::u24(std::uint32_t v) {
  buf_.push_back(static_cast<std::uint8_t>(v >> 16));
  buf_.push_back(static_cast<std::uint8_t>(v >> 8));
  buf_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}
ByteWriter& ByteWriter::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  return u16(static_cast<std::uint16_t>(v));
}
ByteWriter& ByteWriter::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  return u32(static_cast<std::uint32_t>(v));
}
ByteWriter& ByteWriter::bytes(ByteView v) {
  buf_.insert(buf_.end(), v.begin(), v.end());
  return *this;
}
ByteWriter& ByteWriter::str(std::string_view s) {
  buf_.insert(buf_.end(), s.begin(), s.end());
  return *this;
}

std::size_t ByteWriter::begin_length(std::size_t width) {
  std::size_t pos = buf_.size();
  buf_.resize(buf_.size() + width, 0);
  return pos | (width << kWidthShift);
}

Status ByteWriter::end_length(std::size_t marker) {
  std::size_t width = marker >> kWidthShift;
  std::size_t pos = marker & ((std::size_t{1} << kWidthShift) - 1);
  if ((width != 1 && width != 2) || pos + width > buf_.size()) {
    return fail(Errc::kInternal, "end_length: bad marker");
  }
  std::size_t len = buf_.size() - pos - width;
  std::size_t max = width == 1 ? 0xff : 0xffff;
  if (len > max) {
    return fail(Errc::kInvalidArgument, "field of " + std::to_string(len) + " octets does not fit a " +
                                            std::to_string(width) + "-octet length");
  }
  if (width == 1) {
    buf_[pos] = static_cast<std::uint8_t>(len);
  } else {
    buf_[pos] = static_cast<std::uint8_t>(len >> 8);
    buf_[pos + 1] = static_cast<std::uint8_t>(len);
  }
  return ok_status();
}

}  // namespace prose
