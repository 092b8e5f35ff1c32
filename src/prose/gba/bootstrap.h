// GBA bootstrapping state (TS 33.220 4.5.2), sans I/O: the BSF's table of bootstrapping sessions (B-TID -> IMPI,
// RAND, Ks = CK || IK, lifetime), kept until the key lifetime ends, and the Ub response body (TS 24.109 4.4.3:
// application/vnd.3gpp.bsf+xml, <BootstrappingInfo xmlns="uri:3gpp-gba"> with <btid> and <lifetime>).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::gba {

inline constexpr std::string_view kBsfContentType = "application/vnd.3gpp.bsf+xml";  // TS 24.109 4.4.3
inline constexpr std::string_view kBsfXmlNamespace = "uri:3gpp-gba";                 // TS 24.109 annex C

// B-TID = base64(RAND) "@" BSF server name (TS 33.220 4.5.2 step 6). kInvalidArgument for an empty host.
Result<std::string> make_btid(ByteView rand, std::string_view bsf_host);

struct BootstrapSession {
  std::string btid;
  std::string impi;
  Bytes rand;
  SecretBytes ks;            // CK || IK
  std::int64_t created = 0;  // Unix seconds
  std::int64_t expires = 0;  // Unix seconds: end of the key lifetime

  BootstrapSession clone() const { return {btid, impi, rand, ks.clone(), created, expires}; }
  // Ks_(ext)_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id) (TS 33.220 B.3).
  Result<SecretBytes> ks_naf(ByteView naf_id) const;
};

// Thread-safe. A session is visible until its expiry (exclusive); expired ones are dropped on each call.
class BootstrapSessions {
 public:
  explicit BootstrapSessions(std::size_t max_sessions = 100000) : max_(max_sessions) {}
  // Replaces an earlier session with the same B-TID. kState when the table is full of live sessions.
  Status put(BootstrapSession s, std::int64_t now);
  // kNotFound: unknown or expired B-TID.
  Result<BootstrapSession> find(std::string_view btid, std::int64_t now);
  std::size_t size(std::int64_t now);

 private:
  void purge(std::int64_t now);
  std::mutex mu_;
  std::size_t max_;
  std::map<std::string, BootstrapSession, std::less<>> sessions_;
};

// "2026-12-07T15:45:00Z" (xs:dateTime in UTC, as TS 24.109 annex C types <lifetime>) and back.
std::string format_utc(std::int64_t unix_seconds);
Result<std::int64_t> parse_utc(std::string_view text);

struct BootstrappingInfo {
  std::string btid;
  std::int64_t lifetime = 0;  // Unix seconds: when the bootstrapped key expires
};
std::string encode_bootstrapping_info(const BootstrappingInfo& info);
// kMalformed: not well-formed XML, wrong root or namespace, missing or repeated <btid>/<lifetime>, bad dateTime.
Result<BootstrappingInfo> decode_bootstrapping_info(std::string_view xml);

}  // namespace prose::gba
