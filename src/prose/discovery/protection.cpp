#include "prose/discovery/protection.h"

#include <algorithm>
#include <string>

#include "prose/keys/prose_keys.h"
#include "prose/util/ct.h"

namespace prose::discovery {

namespace c = constants;

DiscoveryKeys DiscoveryKeys::clone() const {
  DiscoveryKeys k;
  k.duik = duik.clone();
  k.dusk = dusk.clone();
  k.duck = duck.clone();
  k.encrypted_bits_mask = encrypted_bits_mask;
  k.eea = eea;
  return k;
}

Result<DiscoveryKeys> derive_discovery_keys(ByteView psdk) {
  DiscoveryKeys k;
  PROSE_TRY(k.duik, keys::derive_discovery_key(psdk, keys::DiscoveryKeyType::kDuik));
  PROSE_TRY(k.dusk, keys::derive_discovery_key(psdk, keys::DiscoveryKeyType::kDusk));
  PROSE_TRY(k.duck, keys::derive_discovery_key(psdk, keys::DiscoveryKeyType::kDuck));
  return k;
}

std::uint32_t utc_counter(std::int64_t unix_seconds) {
  // Two's-complement wrap: modulo 2^32 for negative values too (C++20 defines the conversion).
  return static_cast<std::uint32_t>(unix_seconds / static_cast<std::int64_t>(c::kCounterSecondsPerUnit));
}

std::int64_t counter_offset(std::uint32_t counter, std::uint32_t now_counter) {
  return static_cast<std::int32_t>(counter - now_counter);
}

std::uint32_t reconstruct_counter(std::uint8_t lsb, std::uint32_t now_counter) {
  constexpr std::uint32_t kSpan = 1u << c::kCounterLsbBits;
  std::uint32_t candidate = (now_counter & ~(kSpan - 1u)) | lsb;
  const std::int64_t off = counter_offset(candidate, now_counter);
  if (off > static_cast<std::int64_t>(kSpan / 2 - 1)) candidate -= kSpan;
  if (off < -static_cast<std::int64_t>(kSpan / 2)) candidate += kSpan;
  return candidate;
}

namespace {

Status check_size(ByteView pdu) {
  if (pdu.size() < c::kMessageSize) {
    return fail_at(Errc::kTruncated, pdu.size(),
                   "protected discovery PDU of " + std::to_string(pdu.size()) + " octets (needs " +
                       std::to_string(c::kMessageSize) + ")");
  }
  if (pdu.size() > c::kMessageSize) {
    return fail_at(Errc::kMalformed, c::kMessageSize,
                   "protected discovery PDU of " + std::to_string(pdu.size()) + " octets (exactly " +
                       std::to_string(c::kMessageSize) + " expected)");
  }
  return ok_status();
}

Status check_keys(const DiscoveryKeys& k) {
  if (k.duik.empty()) return fail(Errc::kInvalidArgument, "DUIK missing: relay discovery needs a MIC");
  if (k.encrypted_bits_mask.size() > c::kConfidentialSize) {
    return fail(Errc::kInvalidArgument,
                "Encrypted_bits_mask longer than " + std::to_string(c::kConfidentialSize) + " octets");
  }
  if (!k.duck.empty() && k.eea == cipher::Eea::kEea0) {
    return fail(Errc::kInvalidArgument, "message-specific confidentiality with EEA0 would not hide anything");
  }
  return ok_status();
}

// A.5: XOR the time-hash-bitsequence (224 LSBs of KDF(DUSK, counter with 4 LSBs 0)) onto octets 0..27.
Status scramble(MutableByteView pdu, const SecretBytes& dusk, std::uint32_t counter) {
  PROSE_TRY(SecretBytes thb, keys::derive_discovery_scrambling(dusk.view(), counter & c::kScramblingCounterMask));
  if (thb.size() < c::kScrambledSize) return fail(Errc::kInternal, "scrambling KDF output too short");
  const std::uint8_t* bits = thb.data() + (thb.size() - c::kScrambledSize);
  for (std::size_t i = 0; i < c::kScrambledSize; ++i) pdu[i] ^= bits[i];
  return ok_status();
}

// A.6 (33.503 A.7): octets 1..23 ^= EEA(KEY, COUNT = counter, BEARER 0, DIRECTION 0) AND (mask || FF..FF).
// The MIC (octets 24..27) is an input, so the same call ciphers and deciphers.
Status confidentiality(MutableByteView pdu, const DiscoveryKeys& k, std::uint32_t counter) {
  ByteView mic(pdu.data() + c::kOffMic, c::kMicSize);
  PROSE_TRY(SecretBytes out, keys::derive_discovery_keystream(k.duck.view(), counter, mic));
  SecretBytes key = out.last(16);
  SecretBytes ks(c::kConfidentialSize);  // zeros in, keystream out
  const cipher::EpsParams p{counter, c::kConfidentialityBearer, c::kConfidentialityDirection};
  PROSE_TRY_STATUS(
      cipher::default_backend().eea(k.eea, key.view(), p, ks.view(), c::kConfidentialSize * 8, ks.mutable_view()));
  for (std::size_t i = 0; i < c::kConfidentialSize; ++i) {
    const std::uint8_t mask = i < k.encrypted_bits_mask.size() ? k.encrypted_bits_mask[i] : 0xff;
    pdu[c::kOffConfidential + i] ^= static_cast<std::uint8_t>(ks.data()[i] & mask);
  }
  return ok_status();
}

}  // namespace

Result<Bytes> protect(const DiscoveryMessage& m, const DiscoveryKeys& k, std::uint32_t utc_counter) {
  PROSE_TRY_STATUS(check_keys(k));
  PROSE_TRY(Bytes pdu, encode(m, 0, static_cast<std::uint8_t>(utc_counter)));
  PROSE_TRY(Bytes mic,
            keys::derive_discovery_mic(k.duik.view(), ByteView(pdu.data(), c::kMicCoveredSize), utc_counter));
  if (mic.size() != c::kMicSize) return fail(Errc::kInternal, "MIC is not 4 octets");
  std::copy(mic.begin(), mic.end(), pdu.begin() + c::kOffMic);
  if (!k.duck.empty()) PROSE_TRY_STATUS(confidentiality(pdu, k, utc_counter));
  if (!k.dusk.empty()) PROSE_TRY_STATUS(scramble(pdu, k.dusk, utc_counter));
  return pdu;
}

Result<DecodedPdu> open(ByteView pdu, const DiscoveryKeys& k, std::uint32_t utc_counter) {
  PROSE_TRY_STATUS(check_size(pdu));
  PROSE_TRY_STATUS(check_keys(k));
  if (static_cast<std::uint8_t>(utc_counter) != pdu[c::kOffCounterLsb]) {
    return fail(Errc::kInvalidArgument, "the counter's 8 LSBs differ from the PDU's UTC-based counter LSB");
  }
  SecretBytes buf(pdu);  // plaintext in progress: wiped on every path
  if (!k.dusk.empty()) PROSE_TRY_STATUS(scramble(buf.mutable_view(), k.dusk, utc_counter));
  if (!k.duck.empty()) PROSE_TRY_STATUS(confidentiality(buf.mutable_view(), k, utc_counter));
  PROSE_TRY(Bytes mic,
            keys::derive_discovery_mic(k.duik.view(), ByteView(buf.data(), c::kMicCoveredSize), utc_counter));
  if (!ct_equal(mic, ByteView(buf.data() + c::kOffMic, c::kMicSize))) {
    return fail(Errc::kAuthFailed, "discovery MIC does not verify");
  }
  return decode_pdu(buf.view());
}

Receiver::Receiver(ReceiverConfig c) : cfg_(c) {
  cfg_.max_offset = std::min(cfg_.max_offset, c::kMaxResolvableOffset);
  if (cfg_.replay_cache == 0) cfg_.replay_cache = 1;
}

void Receiver::set_keys(std::uint32_t relay_service_code, DiscoveryKeys keys) {
  keys_.insert_or_assign(relay_service_code, std::move(keys));
}

void Receiver::remove_keys(std::uint32_t relay_service_code) { keys_.erase(relay_service_code); }

bool Receiver::has_keys(std::uint32_t relay_service_code) const { return keys_.count(relay_service_code) != 0; }

Result<DiscoveryMessage> Receiver::accept(ByteView pdu, std::int64_t now_unix_seconds) {
  PROSE_TRY(Accepted a, accept_detailed(pdu, now_unix_seconds));
  return a.pdu.message;
}

Result<Receiver::Accepted> Receiver::accept_detailed(ByteView pdu, std::int64_t now_unix_seconds) {
  PROSE_TRY_STATUS(check_size(pdu));
  const std::uint32_t now = utc_counter(now_unix_seconds);
  const std::uint32_t counter = reconstruct_counter(pdu[c::kOffCounterLsb], now);
  const std::int64_t off = counter_offset(counter, now);
  if (off > static_cast<std::int64_t>(cfg_.max_offset) || off < -static_cast<std::int64_t>(cfg_.max_offset)) {
    return fail(Errc::kClockSkew, "UTC-based counter " + std::to_string(off) + " s from the local clock (window +-" +
                                      std::to_string(cfg_.max_offset) + ")");
  }
  std::optional<DecodedPdu> found;
  bool verified_but_malformed = false;
  for (const auto& [rsc, keys] : keys_) {
    auto r = open(pdu, keys, counter);
    if (!r.ok()) {
      // A MIC that verified over an undecodable message: the key holder sent garbage.
      if (r.error().code == Errc::kMalformed) verified_but_malformed = true;
      continue;
    }
    if (r->message.relay_service_code != rsc) continue;  // keys of one RSC never vouch for another
    found = std::move(r).value();
    break;
  }
  if (!found) {
    if (verified_but_malformed) return fail(Errc::kMalformed, "MIC verified but the message does not decode");
    return fail(Errc::kAuthFailed, "no discovery key set verifies the MIC (" + std::to_string(keys_.size()) +
                                       " Relay Service Code(s) configured)");
  }
  SeenKey key{counter, {}};
  std::copy(pdu.begin(), pdu.end(), key.second.begin());
  if (seen_.count(key) != 0) return fail(Errc::kReplay, "discovery message already received at this counter");

  // Success from here on: forget what the window no longer admits, make room, remember this one.
  for (auto it = seen_.begin(); it != seen_.end();) {
    const std::int64_t o = counter_offset(it->first, now);
    if (o > static_cast<std::int64_t>(cfg_.max_offset) || o < -static_cast<std::int64_t>(cfg_.max_offset)) {
      it = seen_.erase(it);
    } else {
      ++it;
    }
  }
  while (seen_.size() >= cfg_.replay_cache) {
    auto oldest = seen_.begin();
    for (auto it = seen_.begin(); it != seen_.end(); ++it) {
      if (counter_offset(it->first, now) < counter_offset(oldest->first, now)) oldest = it;
    }
    seen_.erase(oldest);
  }
  seen_.insert(std::move(key));
  return Accepted{*found, counter};
}

}  // namespace prose::discovery
