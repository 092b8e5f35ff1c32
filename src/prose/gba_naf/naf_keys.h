// The NAF side of GBA (TS 33.222 5.4, TS 33.220 4.5.3): PSK-TLS where the PSK identity is the B-TID and the key is
// Ks_(ext)_NAF for NAF_Id = FQDN || the Ua security protocol id of the TLS version in use (gba/ua_ids.h). The key
// comes from the BSF over Zn (BIR/BIA) and is cached until the lifetime the BSF gave ends. The connection's peer is
// the UE whose IMSI is the user part of the IMPI the BSF returned: the same PeerIdentity a client certificate gives,
// never anything from a message body.
//
// lookup() runs inside a TLS handshake, on one of the HTTPS server's I/O threads (docs/net.md), so an uncached
// B-TID must not hold that thread for as long as the BSF takes. The Zn fetch runs on a thread of its own; the
// handshake waits for it at most Options::wait and then fails with kTimeout (the answer still fills the cache for
// the client's retry). Lookups of the same B-TID and NAF_Id share one fetch; no lock is held during a fetch, so
// lookups of other B-TIDs (cached or not) go on meanwhile. A failed fetch is remembered for Options::negative_ttl
// seconds, and at most Options::max_fetches run at once, so a flood of unknown B-TIDs does not hammer the BSF.
// Sans I/O apart from the injected Zn fetch, so the cache and the expiry are tested on a fake clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
  // Zn: (B-TID, NAF_Id) -> key, IMPI, expiry. kNotFound for an unknown or expired B-TID. Called on a thread of
  // NafKeys' own, possibly for several B-TIDs at once.
  using Fetch = std::function<Result<diameter::ZnKey>(std::string_view btid, ByteView naf_id)>;

  struct Options {
    // The longest a lookup waits for the BSF; below the HTTPS handshake_timeout (3 s by default).
    std::chrono::milliseconds wait{2000};
    // Seconds a failed fetch (unknown B-TID, BSF unreachable) is answered from the cache without asking again.
    std::int64_t negative_ttl = 5;
    // Fetches running at once; a lookup beyond that fails at once with kTimeout.
    std::size_t max_fetches = 64;
  };

  NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock = {}, std::size_t max_entries = 100000);
  NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock, std::size_t max_entries, Options options);
  ~NafKeys();  // waits for the fetches still running
  NafKeys(const NafKeys&) = delete;
  NafKeys& operator=(const NafKeys&) = delete;

  // Relays bootstrap with a USIM too: the connection of an IMSI listed here (IMSI -> relay id) carries
  // PeerIdentity::relay(id) instead of the UE identity, so the relay is authorised as with its relay certificate.
  // Set before the server starts.
  void set_relays(std::map<std::string, std::string, std::less<>> imsi_to_relay) { relays_ = std::move(imsi_to_relay); }

  // The key and the peer identity (the UE, or the relay of set_relays()) for a PSK identity, or an error (kNotFound:
  // unknown or expired B-TID; kDenied: an IMPI without an IMSI; kTimeout: the BSF did not answer within
  // Options::wait, or too many fetches are running; others: Zn unreachable). Errors end the handshake.
  Result<net::PskGrant> lookup(std::string_view psk_identity, const net::PskContext& ctx);
  // The TLS server callback (TlsServerSettings::psk_grant); `log` gets one line per refused identity.
  net::PskServerGrantCallback callback(std::function<void(const std::string&)> log = {});
  std::size_t cached();   // keys and remembered failures
  std::size_t fetches();  // Zn fetches started so far

 private:
  // One answer, or a remembered failure, until `expires`.
  struct Entry {
    std::optional<diameter::ZnKey> key;
    Error error;
    std::int64_t expires = 0;
  };
  // One fetch in progress; every lookup of its key waits for it.
  struct Flight {
    bool done = false;
    Entry result;
  };
  // Shared with the fetch threads.
  struct State {
    std::mutex mu;
    std::condition_variable cv;          // a flight is done
    std::map<std::string, Entry> cache;  // B-TID "#" hex(NAF_Id) -> answer or failure
    std::map<std::string, std::shared_ptr<Flight>> flights;
    std::size_t running = 0;
    std::size_t started = 0;
  };

  Result<diameter::ZnKey> key_for(std::string_view btid, const Bytes& naf_id);
  void run_fetch(std::string key, std::string btid, Bytes naf_id, std::shared_ptr<Flight> flight);
  static Result<diameter::ZnKey> answer(const Entry& e);

  std::string fqdn_;
  Fetch fetch_;
  Clock clock_;
  std::size_t max_;
  Options opt_;
  std::shared_ptr<State> st_ = std::make_shared<State>();
  std::map<std::string, std::string, std::less<>> relays_;  // IMSI -> relay id
};

}  // namespace prose::gba_naf
