#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "prose/net/tls_internal.h"

namespace prose::net {

std::string describe(const CrlInfo& info) {
  std::string next = "none";
  if (info.next_update != 0) {
    std::time_t t = static_cast<std::time_t>(info.next_update);
    std::tm tm{};
    char buf[32];
    if (gmtime_r(&t, &tm) != nullptr && std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0) next = buf;
  }
  return std::to_string(info.crls) + " CRL(s), " + std::to_string(info.revoked) +
         " revoked certificate(s), next update " + next;
}

}  // namespace prose::net

namespace prose::net::detail {

std::string openssl_errors() {
  std::string out;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

namespace {

// ---- key log (NSS key log format), one writer per path, shared by every context ----
class KeyLogWriter {
 public:
  explicit KeyLogWriter(int fd) : fd_(fd) {}
  ~KeyLogWriter() { ::close(fd_); }
  void write_line(const char* line) {
    std::string s(line);
    s += '\n';
    std::lock_guard lock(m_);
    const char* p = s.data();
    std::size_t left = s.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::mutex m_;
};

Result<std::shared_ptr<KeyLogWriter>> open_keylog(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, std::weak_ptr<KeyLogWriter>> writers;
  std::lock_guard lock(m);
  if (auto w = writers[path].lock()) return w;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::kIo, "cannot open TLS key log file " + path + ": " + std::strerror(errno));
  auto w = std::make_shared<KeyLogWriter>(fd);
  writers[path] = w;
  return w;
}

std::string keylog_path(const std::string& configured, bool from_env) {
  if (!configured.empty()) return configured;
  if (from_env) {
    const char* e = std::getenv("SSLKEYLOGFILE");
    if (e != nullptr && *e != '\0') return e;
  }
  return {};
}

// ---- client-certificate revocation (server with a CRL file) ----
// One loaded CRL file: a verify store with the CA certificates, the CRLs and X509_V_FLAG_CRL_CHECK. Immutable;
// a reload builds a new one, and each connection keeps a reference to the store it started with.
struct Revocation {
  X509_STORE* store = nullptr;
  std::vector<X509_CRL*> crls;
  CrlInfo info;
  Revocation() = default;
  Revocation(const Revocation&) = delete;
  Revocation& operator=(const Revocation&) = delete;
  ~Revocation() {
    X509_STORE_free(store);
    for (X509_CRL* c : crls) X509_CRL_free(c);
  }
};

std::string name_text(const X509_NAME* n) {
  char buf[256];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Every PEM object of `path` (certificates, CRLs, keys), or an error naming the file.
Result<STACK_OF(X509_INFO) *> read_pem_objects(const std::string& path, const char* what) {
  BIO* b = BIO_new_file(path.c_str(), "r");
  if (b == nullptr) return fail(Errc::kIo, "cannot read " + std::string(what) + " " + path + ": " + openssl_errors());
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (infos == nullptr) return fail(Errc::kMalformed, std::string(what) + " " + path + ": " + openssl_errors());
  return infos;
}

void free_certs(std::vector<X509*>& certs) {
  for (X509* x : certs) X509_free(x);
  certs.clear();
}

Result<std::vector<X509*>> load_ca_certs(const std::string& path) {
  PROSE_TRY(STACK_OF(X509_INFO) * infos, read_pem_objects(path, "CA file"));
  std::vector<X509*> out;
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO* in = sk_X509_INFO_value(infos, i);
    if (in->x509 != nullptr && X509_up_ref(in->x509) == 1) out.push_back(in->x509);
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  if (out.empty()) return fail(Errc::kInvalidArgument, "no CA certificate in " + path);
  return out;
}

// Reads and checks a CRL file against the CA certificates (see TlsServerSettings::crl_file). Bad input is an
// error and builds nothing.
Result<std::shared_ptr<const Revocation>> load_revocation(const std::vector<X509*>& cas, const std::string& path) {
  PROSE_TRY(STACK_OF(X509_INFO) * infos, read_pem_objects(path, "CRL file"));
  auto rev = std::make_shared<Revocation>();
  bool other = false;
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO* in = sk_X509_INFO_value(infos, i);
    if (in->x509 != nullptr || in->x_pkey != nullptr) other = true;
    if (in->crl != nullptr && X509_CRL_up_ref(in->crl) == 1) rev->crls.push_back(in->crl);
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  if (other) return fail(Errc::kInvalidArgument, "CRL file " + path + " holds something other than CRLs");
  if (rev->crls.empty()) return fail(Errc::kInvalidArgument, "CRL file " + path + " holds no CRL (PEM X509 CRL)");
  const std::time_t now = std::time(nullptr);
  std::vector<bool> covered(cas.size(), false);
  for (X509_CRL* crl : rev->crls) {
    const std::string issuer = name_text(X509_CRL_get_issuer(crl));
    bool signed_by_ca = false;
    for (std::size_t i = 0; i < cas.size(); ++i) {
      if (X509_NAME_cmp(X509_get_subject_name(cas[i]), X509_CRL_get_issuer(crl)) != 0) continue;
      if (X509_CRL_verify(crl, X509_get0_pubkey(cas[i])) == 1) {
        signed_by_ca = true;
        covered[i] = true;
      }
    }
    ERR_clear_error();
    if (!signed_by_ca)
      return fail(Errc::kInvalidArgument,
                  "CRL file " + path + ": the CRL of " + issuer + " is not signed by a CA of the CA file");
    const ASN1_TIME* this_update = X509_CRL_get0_lastUpdate(crl);
    const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl);
    std::time_t t = now;
    if (this_update == nullptr || X509_cmp_time(this_update, &t) > 0)
      return fail(Errc::kInvalidArgument,
                  "CRL file " + path + ": the CRL of " + issuer + " is not valid before " + time_text(this_update));
    if (next_update != nullptr) {
      if (X509_cmp_time(next_update, &t) < 0)
        return fail(Errc::kInvalidArgument, "CRL file " + path + ": the CRL of " + issuer + " expired at " +
                                                time_text(next_update) + " (every client would be refused)");
      std::tm tm{};
      if (ASN1_TIME_to_tm(next_update, &tm) == 1) {
        std::int64_t next = timegm(&tm);
        if (rev->info.next_update == 0 || next < rev->info.next_update) rev->info.next_update = next;
      }
    }
    rev->info.revoked += static_cast<std::size_t>(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)));
  }
  for (std::size_t i = 0; i < cas.size(); ++i)
    if (!covered[i])
      return fail(Errc::kInvalidArgument, "CRL file " + path + " has no CRL from the CA " +
                                              name_text(X509_get_subject_name(cas[i])) +
                                              " (its client certificates could not be checked)");
  rev->info.crls = rev->crls.size();
  rev->store = X509_STORE_new();
  if (rev->store == nullptr) return fail(Errc::kInternal, "X509_STORE_new: " + openssl_errors());
  for (X509* ca : cas)
    if (X509_STORE_add_cert(rev->store, ca) != 1) return fail(Errc::kInternal, "CA store: " + openssl_errors());
  for (X509_CRL* crl : rev->crls)
    if (X509_STORE_add_crl(rev->store, crl) != 1) return fail(Errc::kInternal, "CRL store: " + openssl_errors());
  X509_STORE_set_flags(rev->store, X509_V_FLAG_CRL_CHECK);
  return std::shared_ptr<const Revocation>(std::move(rev));
}

// True when a CRL of `cert`'s issuer lists it.
bool is_revoked(const Revocation& rev, X509* cert) {
  for (X509_CRL* crl : rev.crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0) continue;
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_cert(crl, &entry, cert) == 1) return true;
  }
  return false;
}

// ---- per-context data, freed with the SSL_CTX ----
struct CtxData {
  PskServerCallback psk_server;
  PskServerGrantCallback psk_grant;
  PskClientCallback psk_client;
  std::shared_ptr<KeyLogWriter> keylog;
  std::mutex m;
  SSL_SESSION* cached = nullptr;  // client: latest resumable session
  // Server with a CRL file: the CA certificates of ca_file and the current revocation data (guarded by m).
  std::vector<X509*> client_cas;
  std::shared_ptr<const Revocation> revocation;
  ~CtxData() {
    if (cached != nullptr) SSL_SESSION_free(cached);
    free_certs(client_cas);
  }
};

void free_ctx_data(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<CtxData*>(ptr); }
void free_ssl_peer(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<PeerIdentity*>(ptr); }

int ctx_index() {
  static const int idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nullptr, nullptr, nullptr, free_ctx_data);
  return idx;
}
// Per connection: the peer identity bound to the PSK the server callback accepted.
int ssl_psk_index() {
  static const int idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nullptr, nullptr, nullptr, free_ssl_peer);
  return idx;
}

CtxData* ctx_data(const SSL_CTX* ctx) { return static_cast<CtxData*>(SSL_CTX_get_ex_data(ctx, ctx_index())); }
CtxData* ssl_ctx_data(const SSL* ssl) { return ctx_data(SSL_get_SSL_CTX(ssl)); }

void keylog_cb(const SSL* ssl, const char* line) {
  if (auto* d = ssl_ctx_data(ssl); d != nullptr && d->keylog) d->keylog->write_line(line);
}

int version_const(TlsVersion v) { return v == TlsVersion::kTls12 ? TLS1_2_VERSION : TLS1_3_VERSION; }

// Common settings; returns the context's CtxData.
Result<CtxData*> common_setup(SSL_CTX* ctx, TlsVersion min_v, TlsVersion max_v, const std::string& keylog,
                              bool keylog_env) {
  if (min_v == TlsVersion::kTls13 && max_v == TlsVersion::kTls12)
    return fail(Errc::kInvalidArgument, "TLS minimum version is above the maximum");
  if (!SSL_CTX_set_min_proto_version(ctx, version_const(min_v)) ||
      !SSL_CTX_set_max_proto_version(ctx, version_const(max_v)))
    return fail(Errc::kInternal, "cannot set TLS versions: " + openssl_errors());
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (!SSL_CTX_set_ciphersuites(ctx, std::string(kTls13Suites).c_str()))
    return fail(Errc::kInternal, "cannot set TLS 1.3 suites: " + openssl_errors());
  if (!SSL_CTX_set1_groups_list(ctx, std::string(kTlsGroups).c_str()))
    return fail(Errc::kInternal, "cannot set TLS key exchange groups: " + openssl_errors());
  auto* d = new CtxData();
  SSL_CTX_set_ex_data(ctx, ctx_index(), d);  // freed with the context
  std::string path = keylog_path(keylog, keylog_env);
  if (!path.empty()) {
    PROSE_TRY(d->keylog, open_keylog(path));
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
  }
  return d;
}

Status load_cert_and_key(SSL_CTX* ctx, const std::string& cert, const std::string& key) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
    return fail(Errc::kIo, "cannot load certificate " + cert + ": " + openssl_errors());
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail(Errc::kIo, "cannot load private key " + key + ": " + openssl_errors());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(Errc::kInvalidArgument, "private key " + key + " does not match certificate " + cert);
  return ok_status();
}

// Server: the client certificate must carry exactly one valid ProSe identity, checked in the handshake.
int server_verify_cb(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  if (!identity_from_x509(X509_STORE_CTX_get_current_cert(store)).ok()) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

std::shared_ptr<const Revocation> current_revocation(CtxData* d) {
  if (d == nullptr) return nullptr;
  std::lock_guard lock(d->m);
  return d->revocation;
}

// Server with a CRL: each connection verifies the client certificate against the revocation data current when
// its ClientHello arrived (the SSL object holds its own reference to that store).
int client_hello_cb(SSL* ssl, int* alert, void*) {
  auto rev = current_revocation(ssl_ctx_data(ssl));
  if (rev && SSL_set1_verify_cert_store(ssl, rev->store) != 1) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

PskContext psk_context(SSL* ssl) {
  PskContext c;
  c.version = SSL_version(ssl) == TLS1_3_VERSION ? TlsVersion::kTls13 : TlsVersion::kTls12;
  if (c.version == TlsVersion::kTls12) {
    const SSL_CIPHER* cipher = SSL_get_pending_cipher(ssl);
    if (cipher == nullptr) cipher = SSL_get_current_cipher(ssl);
    if (cipher != nullptr) c.cipher_suite = SSL_CIPHER_get_protocol_id(cipher);
  }
  return c;
}

unsigned int psk_server_cb(SSL* ssl, const char* identity, unsigned char* psk, unsigned int max_psk_len) {
  CtxData* d = ssl_ctx_data(ssl);
  if (d == nullptr || (!d->psk_server && !d->psk_grant) || identity == nullptr) return 0;
  std::string_view id(identity);
  auto as_psk = PeerIdentity::psk(id);
  if (!as_psk.ok()) return 0;
  std::optional<PskGrant> grant;
  if (d->psk_grant) {
    grant = d->psk_grant(id, psk_context(ssl));
  } else if (auto key = d->psk_server(id)) {
    grant = PskGrant{std::move(*key), std::nullopt};
  }
  if (!grant || grant->key.empty() || grant->key.size() > max_psk_len) return 0;
  std::memcpy(psk, grant->key.data(), grant->key.size());
  auto* stored = new PeerIdentity(grant->peer ? std::move(*grant->peer) : std::move(*as_psk));
  if (!SSL_set_ex_data(ssl, ssl_psk_index(), stored)) {
    delete stored;
    return 0;
  }
  return static_cast<unsigned int>(grant->key.size());
}

unsigned int psk_client_cb(SSL* ssl, const char* hint, char* identity, unsigned int max_identity_len,
                           unsigned char* psk, unsigned int max_psk_len) {
  CtxData* d = ssl_ctx_data(ssl);
  if (d == nullptr || !d->psk_client) return 0;
  auto cred = d->psk_client(hint == nullptr ? std::string_view{} : std::string_view(hint));
  if (!cred || cred->key.empty() || cred->key.size() > max_psk_len) return 0;
  if (cred->identity.empty() || cred->identity.size() + 1 > max_identity_len) return 0;
  std::memcpy(identity, cred->identity.c_str(), cred->identity.size() + 1);
  std::memcpy(psk, cred->key.data(), cred->key.size());
  return static_cast<unsigned int>(cred->key.size());
}

// Client session cache: keep the newest resumable session (a TLS 1.3 ticket arrives after the handshake).
int new_session_cb(SSL* ssl, SSL_SESSION* sess) {
  CtxData* d = ssl_ctx_data(ssl);
  if (d == nullptr || !SSL_SESSION_is_resumable(sess)) return 0;
  // Keep a copy: OpenSSL marks the connection's own session not resumable when that connection ends without
  // a close_notify (e.g. the server dropped an idle keep-alive connection).
  SSL_SESSION* copy = SSL_SESSION_dup(sess);
  if (copy == nullptr) return 0;
  std::lock_guard lock(d->m);
  if (d->cached != nullptr) SSL_SESSION_free(d->cached);
  d->cached = copy;
  return 0;  // the caller keeps its reference
}

}  // namespace

Result<SSL_CTX*> make_server_ctx(const TlsServerSettings& s) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return fail(Errc::kInternal, "SSL_CTX_new: " + openssl_errors());
  PROSE_TRY(CtxData * d, common_setup(ctx.get(), s.min_version, s.max_version, s.keylog_file, s.keylog_from_env));
  if (s.psk || s.psk_grant) {
    // GBA Ua: PSK only. Every connection runs a full PSK handshake (no tickets), so the identity always comes
    // from the callback.
    d->psk_server = s.psk;
    d->psk_grant = s.psk_grant;
    SSL_CTX_set_psk_server_callback(ctx.get(), psk_server_cb);
    if (!s.psk_identity_hint.empty() && !SSL_CTX_use_psk_identity_hint(ctx.get(), s.psk_identity_hint.c_str()))
      return fail(Errc::kInvalidArgument, "bad PSK identity hint");
    if (!SSL_CTX_set_cipher_list(ctx.get(), std::string(kTls12PskCiphers).c_str()))
      return fail(Errc::kInternal, "PSK cipher list: " + openssl_errors());
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx.get(), 0);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    return ctx.release();
  }
  if (s.cert_file.empty() || s.key_file.empty() || s.ca_file.empty())
    return fail(Errc::kInvalidArgument, "TLS server needs cert_file, key_file and ca_file (or a PSK callback)");
  PROSE_TRY_STATUS(load_cert_and_key(ctx.get(), s.cert_file, s.key_file));
  if (SSL_CTX_load_verify_locations(ctx.get(), s.ca_file.c_str(), nullptr) != 1)
    return fail(Errc::kIo, "cannot load CA file " + s.ca_file + ": " + openssl_errors());
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca_file.c_str());
  if (names == nullptr) return fail(Errc::kIo, "no CA certificate in " + s.ca_file);
  SSL_CTX_set_client_CA_list(ctx.get(), names);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, server_verify_cb);
  if (!s.crl_file.empty()) {
    PROSE_TRY(d->client_cas, load_ca_certs(s.ca_file));
    PROSE_TRY(d->revocation, load_revocation(d->client_cas, s.crl_file));
    SSL_CTX_set_client_hello_cb(ctx.get(), client_hello_cb, nullptr);
  }
  if (!SSL_CTX_set_cipher_list(ctx.get(), std::string(kTls12CertCiphers).c_str()))
    return fail(Errc::kInternal, "cipher list: " + openssl_errors());
  static const unsigned char sid_ctx[] = "prose-pc8";
  SSL_CTX_set_session_id_context(ctx.get(), sid_ctx, sizeof sid_ctx - 1);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
  return ctx.release();
}

Result<SSL_CTX*> make_client_ctx(const TlsClientSettings& s) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return fail(Errc::kInternal, "SSL_CTX_new: " + openssl_errors());
  PROSE_TRY(CtxData * d, common_setup(ctx.get(), s.min_version, s.max_version, s.keylog_file, s.keylog_from_env));
  if (!s.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), s.ca_file.c_str(), nullptr) != 1)
      return fail(Errc::kIo, "cannot load CA file " + s.ca_file + ": " + openssl_errors());
  } else if (!s.psk) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  // Always verify: in PSK mode no certificate is sent, and a server falling back to a certificate fails.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (s.psk) {
    d->psk_client = s.psk;
    SSL_CTX_set_psk_client_callback(ctx.get(), psk_client_cb);
    if (!SSL_CTX_set_cipher_list(ctx.get(), std::string(kTls12PskCiphers).c_str()))
      return fail(Errc::kInternal, "PSK cipher list: " + openssl_errors());
  } else {
    if (!SSL_CTX_set_cipher_list(ctx.get(), std::string(kTls12CertCiphers).c_str()))
      return fail(Errc::kInternal, "cipher list: " + openssl_errors());
  }
  if (!s.cert_file.empty() || !s.key_file.empty()) {
    if (s.cert_file.empty() || s.key_file.empty())
      return fail(Errc::kInvalidArgument, "client certificate needs both cert_file and key_file");
    PROSE_TRY_STATUS(load_cert_and_key(ctx.get(), s.cert_file, s.key_file));
  }
  if (s.session_resumption && !s.psk) {
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx.get(), new_session_cb);
  } else {
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  }
  return ctx.release();
}

Status prepare_client_ssl(SSL* ssl, const std::string& host, const TlsClientSettings& s) {
  const std::string& name = s.server_name.empty() ? host : s.server_name;
  bool is_ip = false;
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str()); ip != nullptr) {
    is_ip = true;
    ASN1_OCTET_STRING_free(ip);
  }
  if (!s.psk) {
    if (is_ip) {
      if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()))
        return fail(Errc::kInvalidArgument, "bad server IP address " + name);
    } else {
      if (!SSL_set1_host(ssl, name.c_str())) return fail(Errc::kInvalidArgument, "bad server name " + name);
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
  }
  if (!is_ip && !SSL_set_tlsext_host_name(ssl, name.c_str()))
    return fail(Errc::kInvalidArgument, "bad SNI name " + name);
  if (CtxData* d = ssl_ctx_data(ssl); d != nullptr) {
    std::lock_guard lock(d->m);
    if (d->cached != nullptr) {
      // A TLS 1.3 ticket is used once: hand it over; the new connection brings fresh ones.
      SSL_set_session(ssl, d->cached);
      if (SSL_SESSION_get_protocol_version(d->cached) == TLS1_3_VERSION) {
        SSL_SESSION_free(d->cached);
        d->cached = nullptr;
      }
    }
  }
  return ok_status();
}

Result<PeerIdentity> peer_identity(SSL* ssl) {
  if (auto* id = static_cast<PeerIdentity*>(SSL_get_ex_data(ssl, ssl_psk_index())); id != nullptr) return *id;
  if (CtxData* d = ssl_ctx_data(ssl); d != nullptr && (d->psk_server || d->psk_grant))
    return fail(Errc::kDenied, "PSK connection without an accepted PSK identity");
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return fail(Errc::kDenied, "no client certificate");
  if (SSL_get_verify_result(ssl) != X509_V_OK) return fail(Errc::kDenied, "client certificate not verified");
  // A resumed session skipped the certificate check: the certificate may have been revoked since.
  if (SSL_session_reused(ssl) == 1) {
    if (auto rev = current_revocation(ssl_ctx_data(ssl)); rev && is_revoked(*rev, cert))
      return fail(Errc::kDenied, "client certificate revoked (resumed session refused)");
  }
  return identity_from_x509(cert);
}

Result<CrlInfo> reload_client_crl(SSL_CTX* ctx, const std::string& crl_file) {
  CtxData* d = ctx_data(ctx);
  if (d == nullptr || d->client_cas.empty() || crl_file.empty())
    return fail(Errc::kState, "the server was started without a CRL file");
  PROSE_TRY(auto rev, load_revocation(d->client_cas, crl_file));
  CrlInfo info = rev->info;
  std::lock_guard lock(d->m);
  d->revocation = std::move(rev);
  return info;
}

TlsConnectionInfo connection_info(const SSL* ssl) {
  TlsConnectionInfo i;
  i.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl); c != nullptr) i.cipher = SSL_CIPHER_get_name(c);
  i.session_reused = SSL_session_reused(const_cast<SSL*>(ssl)) == 1;
  return i;
}

HandshakeFailure classify_handshake_failure(const SSL* ssl, unsigned long err) {
  switch (ssl == nullptr ? X509_V_OK : SSL_get_verify_result(ssl)) {
    case X509_V_OK:
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return HandshakeFailure::kExpired;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return HandshakeFailure::kUnknownCa;
    case X509_V_ERR_CERT_REVOKED:
      return HandshakeFailure::kRevoked;
    default:
      return HandshakeFailure::kBadCertificate;
  }
  if (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
    return HandshakeFailure::kNoCertificate;
  return HandshakeFailure::kProtocol;
}

void clear_client_session(SSL_CTX* ctx) {
  if (CtxData* d = ctx_data(ctx); d != nullptr) {
    std::lock_guard lock(d->m);
    if (d->cached != nullptr) SSL_SESSION_free(d->cached);
    d->cached = nullptr;
  }
}

}  // namespace prose::net::detail
