// TLS settings shared by the HTTPS server and client (OpenSSL, TLS 1.2 and 1.3).
//
// Certificate mode: mutual TLS; the server requires a client certificate chaining to `ca_file` and carrying
// exactly one ProSe identity URI (see identity.h), checked inside the handshake. With `crl_file`, a client
// certificate revoked by its CA is refused too (also when the client resumes a session), and the CRLs can be
// re-read while the server runs (HttpsServer::reload_crl).
// PSK mode (GBA Ua, TS 33.222): the PSK identity and key come from a callback; no certificates.
// Key log: NSS key log format (what SSLKEYLOGFILE means to Wireshark/curl), to `keylog_file` or, when that is
// empty and keylog_from_env is set, to the path in the SSLKEYLOGFILE environment variable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "prose/net/identity.h"
#include "prose/util/secret.h"

namespace prose::net {

enum class TlsVersion { kTls12, kTls13 };

// Server side: the key for a PSK identity (e.g. Ks_(ext)_NAF for a B-TID), or nullopt for an unknown identity
// (the handshake then fails). Called on a server I/O thread.
using PskServerCallback = std::function<std::optional<SecretBytes>(std::string_view identity)>;

// What the server knows of the handshake when it looks a PSK identity up: GBA keys depend on it (the Ua security
// protocol identifier of TS 33.220 H.3 names the TLS version and, for TLS 1.2, the cipher suite).
struct PskContext {
  TlsVersion version = TlsVersion::kTls12;
  std::uint16_t cipher_suite = 0;  // IANA TLS cipher suite value chosen (TLS 1.2); 0 for TLS 1.3
};
struct PskGrant {
  SecretBytes key;
  // The identity the connection's requests carry; empty: PeerIdentity::psk(identity).
  std::optional<PeerIdentity> peer;
};
// Server side, GBA NAF: key and peer for an identity in a context, or nullopt (the handshake fails).
using PskServerGrantCallback = std::function<std::optional<PskGrant>(std::string_view identity, const PskContext&)>;

struct PskClientCredential {
  std::string identity;
  SecretBytes key;
};
// Client side: given the server's identity hint (TLS 1.2; empty for TLS 1.3), the identity and key to use.
using PskClientCallback = std::function<std::optional<PskClientCredential>(std::string_view hint)>;

// TS 24.109 F.3: the NAF's PSK identity hint for GBA.
inline constexpr std::string_view kGbaPskIdentityHint = "3GPP-bootstrapping";

struct TlsServerSettings {
  // Certificate mode.
  std::string cert_file;  // PEM: server certificate (and chain)
  std::string key_file;   // PEM: its private key
  std::string ca_file;    // PEM: CA(s) that sign client certificates
  // PEM: one CRL from every CA in ca_file, each signed by it and current (thisUpdate passed, nextUpdate not).
  // Empty = no revocation check.
  std::string crl_file;
  // PSK mode: when set, the server authenticates with PSK only and needs no certificate.
  PskServerCallback psk;
  PskServerGrantCallback psk_grant;  // PSK mode too; takes precedence over `psk`
  std::string psk_identity_hint = std::string(kGbaPskIdentityHint);
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
  std::string keylog_file;
  bool keylog_from_env = true;
};

struct TlsClientSettings {
  std::string ca_file;      // PEM: CA(s) that sign the server certificate; empty = system default paths
  std::string cert_file;    // PEM: client certificate (mutual TLS); empty = none
  std::string key_file;     // PEM: its private key
  std::string server_name;  // name (DNS or IP) the server certificate must match; empty = the host connected to
  PskClientCallback psk;    // PSK mode
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
  bool session_resumption = true;
  std::string keylog_file;
  bool keylog_from_env = true;
};

// The cipher lists used (also in docs/net.md and docs/conformance/net.md).
inline constexpr std::string_view kTls12CertCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr std::string_view kTls12PskCiphers =
    "ECDHE-PSK-AES128-CBC-SHA256:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-AES128-CBC-SHA256:"
    "PSK-AES128-CBC-SHA:PSK-AES256-CBC-SHA";
inline constexpr std::string_view kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// Key exchange groups offered (client) and accepted (server) by every context, in preference order: no finite
// field groups (ffdhe*) and no other curves. Also in docs/net.md and docs/conformance/net.md.
inline constexpr std::string_view kTlsGroups = "X25519:P-256:P-384";

// What a loaded CRL file holds (for the log line after a reload).
struct CrlInfo {
  std::size_t crls = 0;          // CRLs in the file (one per CA at least)
  std::size_t revoked = 0;       // revoked certificates listed, all CRLs together
  std::int64_t next_update = 0;  // the earliest nextUpdate, Unix seconds (0: no CRL gives one)
};
// "1 CRL(s), 2 revoked certificate(s), next update 2027-01-01T00:00:00Z" (for logs).
std::string describe(const CrlInfo& info);

// Facts about an established connection.
struct TlsConnectionInfo {
  std::string version;  // "TLSv1.2" / "TLSv1.3"
  std::string cipher;   // OpenSSL name
  bool session_reused = false;
};

}  // namespace prose::net
