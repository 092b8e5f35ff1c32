// The NAF side of GBA (TS 33.222 5.4, TS 33.220 4.5.3): PSK-TLS where the PSK identity is the B-TID and the key is
// Ks_(ext)_NAF for NAF_Id = FQDN || the Ua security protocol id of the TLS version in use (gba/ua_ids.h). The key
// comes from the BSF over Zn (BIR/BIA) and is cached until the lifetime the BSF gave ends. The connection's peer is
// the UE whose IMSI is the user part of the IMPI the BSF returned: the same PeerIdentity a client certificate gives,
// never anything from a message body.
// Sans I/O apart from the injected Zn fetch, so the cache and the expiry are tested on a fake clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "prose/diameter_client/client.h"
#include "prose/net/tls.h"
#include "prose/util/bytes.h"

namespace prose::gba_naf {

// TS 33.222 clause 5.4: some UEs send "3GPP-bootstrapping" "." B-TID as the TLS 1.2 psk_identity; it is the same
// B-TID.
inline constexpr std::string_view kIdentityPrefix = "3GPP-bootstrapping.";

// NAF_Id for a handshake: FQDN || (TLS 1.3: 01 00 00 00 07; TLS 1.2: 01 00 01 yy zz with the cipher suite).
Bytes naf_id_for(std::string_view naf_fqdn, const net::PskContext& ctx);

class NafKeys {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix seconds
  // Zn: (B-TID, NAF_Id) -> key, IMPI, expiry. kNotFound for an unknown or expired B-TID.
  using Fetch = std::function<Result<diameter::ZnKey>(std::string_view btid, ByteView naf_id)>;

  NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock = {}, std::size_t max_entries = 100000);

  // Relays bootstrap with a USIM too: the connection of an IMSI listed here (IMSI -> relay id) carries
  // PeerIdentity::relay(id) instead of the UE identity, so the relay is authorised as with its relay certificate.
  // Set before the server starts.
  void set_relays(std::map<std::string, std::string, std::less<>> imsi_to_relay) { relays_ = std::move(imsi_to_relay); }

  // The key and the peer identity (the UE, or the relay of set_relays()) for a PSK identity, or an error (kNotFound:
  // unknown or expired B-TID; kDenied: an IMPI without an IMSI; others: Zn unreachable). Errors end the handshake.
  Result<net::PskGrant> lookup(std::string_view psk_identity, const net::PskContext& ctx);
  // The TLS server callback (TlsServerSettings::psk_grant); `log` gets one line per refused identity.
  net::PskServerGrantCallback callback(std::function<void(const std::string&)> log = {});
  std::size_t cached();

 private:
  std::string fqdn_;
  Fetch fetch_;
  Clock clock_;
  std::size_t max_;
  std::mutex mu_;
  std::map<std::string, diameter::ZnKey> cache_;           // B-TID "#" hex(NAF_Id) -> answer
  std::map<std::string, std::string, std::less<>> relays_;  // IMSI -> relay id
};

// A Fetch over one Diameter connection to the BSF, reconnected when it fails.
NafKeys::Fetch zn_fetch(diameter::ClientConfig config);

}  // namespace prose::gba_naf
