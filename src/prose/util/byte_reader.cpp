#include "prose/util/byte_reader.h"

namespace prose {

Error ByteReader::truncated(std::string_view field, std::size_t need) const {
  return make_error_at(
      Errc::kTruncated, offset(),
      std::string(field) + ": need " + std::to_string(need) + " octets, " + std::to_string(remaining()) + " left");
}

Result<ByteView> ByteReader::bytes(std::size_t n, std::string_view field) {
  if (n > remaining()) return truncated(field, n);
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Result<Bytes> ByteReader::copy(std::size_t n, std::string_view field) {
  PROSE_TRY(ByteView v, bytes(n, field));
  return Bytes(v.begin(), v.end());
}

Result<std::uint8_t> ByteReader::u8(std::string_view field) {
  if (remaining() < 1) return truncated(field, 1);
  return data_[pos_++];
}

Result<std::uint8_t> ByteReader::peek_u8(std::string_view field) const {
  if (remaining() < 1) return truncated(field, 1);
  return data_[pos_];
}

namespace {
template <typename T>
T load_be(ByteView v) {
  T x = 0;
  for (auto b : v) x = static_cast<T>((x << 8) | b);
  return x;
}
}  // namespace

Result<std::uint16_t> ByteReader::u16(std::string_view field) {
  PROSE_TRY(ByteView v, bytes(2, field));
  return load_be<std::uint16_t>(v);
}
Result<std::uint32_t> ByteReader::u24(std::string_view field) {
  PROSE_TRY(ByteView v, bytes(3, field));
  return load_be<std::uint32_t>(v);
}
Result<std::uint32_t> ByteReader::u32(std::string_view field) {
  PROSE_TRY(ByteView v, bytes(4, field));
  return load_be<std::uint32_t>(v);
}
Result<std::uint64_t> ByteReader::u64(std::string_view field) {
  PROSE_TRY(ByteView v, bytes(8, field));
  return load_be<std::uint64_t>(v);
}

Result<ByteReader> ByteReader::sub(std::size_t n, std::string_view field) {
  std::size_t start = offset();
  PROSE_TRY(ByteView v, bytes(n, field));
  return ByteReader(v, start);
}

Result<ByteReader> ByteReader::u8_prefixed(std::string_view field) {
  PROSE_TRY(std::uint8_t n, u8(field));
  return sub(n, field);
}

Result<ByteReader> ByteReader::u16_prefixed(std::string_view field) {
  PROSE_TRY(std::uint16_t n, u16(field));
  return sub(n, field);
}

ByteView ByteReader::rest() {
  ByteView v = data_.subspan(pos_);
  pos_ = data_.size();
  return v;
}

Status ByteReader::skip(std::size_t n, std::string_view field) {
  PROSE_TRY(ByteView v, bytes(n, field));
  (void)v;
  return ok_status();
}

Status ByteReader::expect_end(std::string_view what) const {
  if (!empty()) {
    return fail_at(Errc::kMalformed, offset(),
                   std::string(what) + ": " + std::to_string(remaining()) + " unexpected trailing octets");
  }
  return ok_status();
}

}  // namespace prose
