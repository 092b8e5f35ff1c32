// A small test/lab PKI on the OpenSSL API: a CA, the PKMF server certificate and client certificates that carry
// the ProSe identity in the subjectAltName (identity.h). EC P-256 keys, ECDSA-SHA256 signatures.
// Used by `prose pki init` / `issue` / `revoke` / `crl`, by the PKMF example configuration and by tests (which
// also make expired certificates, certificates from another CA and CRLs here).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prose/net/identity.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::net::pki {

inline constexpr const char* kDefaultServerName = "pkmf.prose.test";
inline constexpr const char* kDefaultServerIp = "127.0.0.1";
inline constexpr int kDefaultDays = 365;
inline constexpr int kMaxDays = 10 * 366;

// A certificate and its private key, both PEM. The key is secret: wiped on destruction.
struct Credential {
  std::string cert_pem;
  SecretBytes key_pem;
};

enum class Usage { kCa, kServer, kClient };

struct CertSpec {
  std::string common_name;
  Usage usage = Usage::kClient;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> uris;
  // Validity relative to now, in seconds (negative = in the past). Default: from 5 minutes ago for 365 days.
  std::int64_t not_before_offset = -300;
  std::int64_t not_after_offset = std::int64_t{kDefaultDays} * 86400;
};

// Self-signed CA.
Result<Credential> make_ca(const std::string& common_name, int days);
// Certificate for `spec`, signed by `ca` (kServer / kClient; kCa makes an intermediate CA).
Result<Credential> issue(const Credential& ca, const CertSpec& spec);
// Client certificate for a UE, relay or operator identity.
Result<Credential> issue_identity(const Credential& ca, const PeerIdentity& id, int days);
// Client certificate whose validity ended a day ago (for tests of the handshake refusal).
Result<Credential> issue_expired_identity(const Credential& ca, const PeerIdentity& id);

// <dir>/<base>.pem (0644) and <dir>/<base>.key (0600).
Status write_credential(const std::string& dir, const std::string& base, const Credential& c);
Result<Credential> load_credential(const std::string& cert_path, const std::string& key_path);

// The file name base for an identity: "ue-<imsi>" / "relay-<id>" / "operator-<name>".
std::string file_base(const PeerIdentity& id);

// A CRL (PEM, v2, ECDSA-SHA256) signed by `ca`: every entry of `previous` (a PEM CRL of the same CA, or empty)
// plus the serial numbers of `revoke` (PEM certificates issued by `ca`; one listed already is not added twice),
// CRL number one above the previous one's (1 for the first), valid from now for `days` days.
Result<std::string> make_crl(const Credential& ca, const std::string& previous, const std::vector<std::string>& revoke,
                             int days);

// The file of DIR's CRL.
inline constexpr const char* kCrlFile = "crl.pem";

struct Identities {
  std::vector<std::string> ues;        // IMSIs
  std::vector<std::string> relays;     // relay ids
  std::vector<std::string> operators;  // operator names
};

struct CrlResult {
  std::string path;                  // DIR/crl.pem
  std::vector<std::string> revoked;  // the certificate files revoked by this call
  std::size_t entries = 0;           // entries in the CRL written
};
// Revokes the client certificates of `ids` in DIR (DIR/<file base>.pem) and the certificate files `cert_files`
// (issued by DIR's CA), keeping DIR/crl.pem's entries; writes DIR/crl.pem valid for `days` days. With nothing to
// revoke it re-issues the CRL (a fresh validity). Everything is checked before the file is written.
Result<CrlResult> update_crl(const std::string& dir, const Identities& ids, const std::vector<std::string>& cert_files,
                             int days);

struct InitOptions {
  std::string dir;
  std::vector<std::string> ues;        // IMSIs
  std::vector<std::string> relays;     // relay ids
  std::vector<std::string> operators;  // operator names
  std::string server_name = kDefaultServerName;
  std::vector<std::string> server_ips = {kDefaultServerIp};
  int days = kDefaultDays;
};

struct InitResult {
  std::vector<std::string> files;  // every file written, in order
};

// Creates DIR (if needed) with ca.pem/ca.key, pkmf.pem/pkmf.key, one credential per UE, relay and operator, and
// an empty CRL (crl.pem, valid as long as the certificates). Refuses a DIR that already holds ca.pem. Every
// argument is checked before anything is written.
Result<InitResult> init(const InitOptions& opt);
// Adds client credentials for more UEs/relays/operators to an initialised DIR (signed by its ca.pem/ca.key).
Result<InitResult> issue_more(const std::string& dir, const Identities& ids, int days);

}  // namespace prose::net::pki
