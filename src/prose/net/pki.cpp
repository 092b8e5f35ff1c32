#include "prose/net/pki.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "prose/net/tls_internal.h"

namespace prose::net::pki {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

Unexpected ossl_fail(const std::string& what) { return fail(Errc::kInternal, what + ": " + detail::openssl_errors()); }

Result<KeyPtr> new_p256_key() {
  KeyPtr k(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!k) return ossl_fail("EC P-256 key generation");
  return k;
}

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> cert_to_pem(X509* x) {
  BioPtr b(BIO_new(BIO_s_mem()), BIO_free);
  if (!b || PEM_write_bio_X509(b.get(), x) != 1) return ossl_fail("PEM encoding of certificate");
  return bio_string(b.get());
}

Result<SecretBytes> key_to_pem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_secmem()), BIO_free);
  if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ossl_fail("PEM encoding of private key");
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)));
}

Result<X509Ptr> pem_to_cert(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr x(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
  if (!x) return fail(Errc::kMalformed, "not a PEM certificate: " + detail::openssl_errors());
  return x;
}

Result<KeyPtr> pem_to_key(const SecretBytes& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  KeyPtr k(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr, EVP_PKEY_free);
  if (!k) return fail(Errc::kMalformed, "not a PEM private key: " + detail::openssl_errors());
  return k;
}

Status add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return fail(Errc::kInvalidArgument, "bad certificate extension value '" + value + "'");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return ossl_fail("X509_add_ext");
  return ok_status();
}

bool valid_dns_name(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return false;
  return n.front() != '.' && n.back() != '.' && n.front() != '-';
}

bool valid_ip(const std::string& ip) {
  ASN1_OCTET_STRING* a = a2i_IPADDRESS(ip.c_str());
  if (a == nullptr) return false;
  ASN1_OCTET_STRING_free(a);
  return true;
}

std::string name_text(const X509_NAME* n) {
  char buf[256];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}

bool valid_cn(const std::string& cn) {
  if (cn.empty() || cn.size() > 64) return false;
  for (char c : cn)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e || c == ',') return false;
  return true;
}

Result<X509Ptr> build(const std::string& cn, Usage usage, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key,
                      const CertSpec& spec) {
  if (!valid_cn(cn)) return fail(Errc::kInvalidArgument, "bad common name '" + cn + "'");
  X509Ptr x(X509_new(), X509_free);
  if (!x) return ossl_fail("X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) return ossl_fail("X509_set_version");
  {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_new(), BN_free);
    if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) == nullptr)
      return ossl_fail("serial number");
  }
  if (X509_time_adj_ex(X509_getm_notBefore(x.get()), 0, static_cast<long>(spec.not_before_offset), nullptr) ==
          nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(x.get()), 0, static_cast<long>(spec.not_after_offset), nullptr) == nullptr)
    return ossl_fail("validity");
  X509_NAME* name = X509_get_subject_name(x.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ProSe test PKI"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1)
    return ossl_fail("subject name");
  X509* iss = issuer != nullptr ? issuer : x.get();
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(iss)) != 1) return ossl_fail("issuer name");
  if (X509_set_pubkey(x.get(), subject_key) != 1) return ossl_fail("public key");

  PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_subject_key_identifier, "hash"));
  PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_authority_key_identifier, "keyid:always"));
  switch (usage) {
    case Usage::kCa:
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:TRUE"));
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign"));
      break;
    case Usage::kServer:
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:FALSE"));
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_key_usage, "critical,digitalSignature"));
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_ext_key_usage, "serverAuth"));
      break;
    case Usage::kClient:
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_basic_constraints, "critical,CA:FALSE"));
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_key_usage, "critical,digitalSignature"));
      PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_ext_key_usage, "clientAuth"));
      break;
  }
  std::string san;
  auto append = [&san](const std::string& s) {
    if (!san.empty()) san += ",";
    san += s;
  };
  for (const auto& d : spec.dns_names) {
    if (!valid_dns_name(d)) return fail(Errc::kInvalidArgument, "bad DNS name '" + d + "'");
    append("DNS:" + d);
  }
  for (const auto& ip : spec.ip_addresses) {
    if (!valid_ip(ip)) return fail(Errc::kInvalidArgument, "bad IP address '" + ip + "'");
    append("IP:" + ip);
  }
  for (const auto& u : spec.uris) {
    if (u.empty() || u.find_first_of(", \r\n") != std::string::npos)
      return fail(Errc::kInvalidArgument, "bad URI '" + u + "'");
    append("URI:" + u);
  }
  if (!san.empty()) PROSE_TRY_STATUS(add_ext(x.get(), iss, NID_subject_alt_name, san));
  if (X509_sign(x.get(), issuer_key, EVP_sha256()) <= 0) return ossl_fail("signing the certificate");
  return x;
}

Status write_file(const std::filesystem::path& path, std::string_view data, mode_t mode) {
  std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // regardless of umask
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::kIo, "cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::kIo, "cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return ok_status();
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kIo, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status check_days(int days) {
  if (days < 1 || days > kMaxDays)
    return fail(Errc::kInvalidArgument, "days must be between 1 and " + std::to_string(kMaxDays));
  return ok_status();
}

Result<std::vector<PeerIdentity>> parse_identities(const std::vector<std::string>& ues,
                                                   const std::vector<std::string>& relays,
                                                   const std::vector<std::string>& operators) {
  std::vector<PeerIdentity> ids;
  for (const auto& u : ues) {
    auto id = PeerIdentity::ue(u);
    if (!id.ok()) return fail(Errc::kInvalidArgument, "--ue '" + u + "': " + id.error().message);
    ids.push_back(std::move(id).value());
  }
  for (const auto& r : relays) {
    auto id = PeerIdentity::relay(r);
    if (!id.ok()) return fail(Errc::kInvalidArgument, "--relay '" + r + "': " + id.error().message);
    ids.push_back(std::move(id).value());
  }
  for (const auto& o : operators) {
    auto id = PeerIdentity::operator_id(o);
    if (!id.ok()) return fail(Errc::kInvalidArgument, "--operator '" + o + "': " + id.error().message);
    ids.push_back(std::move(id).value());
  }
  for (std::size_t i = 0; i < ids.size(); ++i)
    for (std::size_t j = i + 1; j < ids.size(); ++j)
      if (ids[i] == ids[j]) return fail(Errc::kInvalidArgument, "identity " + ids[i].to_string() + " given twice");
  return ids;
}

}  // namespace

Result<Credential> make_ca(const std::string& common_name, int days) {
  PROSE_TRY_STATUS(check_days(days));
  PROSE_TRY(KeyPtr key, new_p256_key());
  CertSpec spec;
  spec.usage = Usage::kCa;
  spec.not_after_offset = std::int64_t{days} * 86400;
  PROSE_TRY(X509Ptr x, build(common_name, Usage::kCa, key.get(), nullptr, key.get(), spec));
  Credential c;
  PROSE_TRY(c.cert_pem, cert_to_pem(x.get()));
  PROSE_TRY(c.key_pem, key_to_pem(key.get()));
  return c;
}

Result<Credential> issue(const Credential& ca, const CertSpec& spec) {
  PROSE_TRY(X509Ptr ca_cert, pem_to_cert(ca.cert_pem));
  PROSE_TRY(KeyPtr ca_key, pem_to_key(ca.key_pem));
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    return fail(Errc::kInvalidArgument, "CA key does not match the CA certificate");
  if (spec.not_after_offset <= spec.not_before_offset)
    return fail(Errc::kInvalidArgument, "certificate validity ends before it starts");
  PROSE_TRY(KeyPtr key, new_p256_key());
  PROSE_TRY(X509Ptr x, build(spec.common_name, spec.usage, key.get(), ca_cert.get(), ca_key.get(), spec));
  Credential c;
  PROSE_TRY(c.cert_pem, cert_to_pem(x.get()));
  PROSE_TRY(c.key_pem, key_to_pem(key.get()));
  return c;
}

Result<Credential> issue_identity(const Credential& ca, const PeerIdentity& id, int days) {
  PROSE_TRY_STATUS(check_days(days));
  PROSE_TRY(std::string uri, id.san_uri());
  CertSpec spec;
  spec.common_name = uri;
  spec.usage = Usage::kClient;
  spec.uris = {uri};
  spec.not_after_offset = std::int64_t{days} * 86400;
  return issue(ca, spec);
}

Result<Credential> issue_expired_identity(const Credential& ca, const PeerIdentity& id) {
  PROSE_TRY(std::string uri, id.san_uri());
  CertSpec spec;
  spec.common_name = uri;
  spec.usage = Usage::kClient;
  spec.uris = {uri};
  spec.not_before_offset = -2 * 86400;
  spec.not_after_offset = -86400;
  return issue(ca, spec);
}

std::string file_base(const PeerIdentity& id) {
  switch (id.kind()) {
    case PeerKind::kUe:
      return "ue-" + id.id();
    case PeerKind::kRelay:
      return "relay-" + id.id();
    case PeerKind::kOperator:
      return "operator-" + id.id();
    case PeerKind::kPsk:
      break;
  }
  return "psk";
}

Status write_credential(const std::string& dir, const std::string& base, const Credential& c) {
  std::filesystem::path d(dir);
  PROSE_TRY_STATUS(write_file(
      d / (base + ".key"), std::string_view(reinterpret_cast<const char*>(c.key_pem.data()), c.key_pem.size()), 0600));
  return write_file(d / (base + ".pem"), c.cert_pem, 0644);
}

Result<Credential> load_credential(const std::string& cert_path, const std::string& key_path) {
  Credential c;
  PROSE_TRY(c.cert_pem, read_file(cert_path));
  PROSE_TRY(std::string key, read_file(key_path));
  c.key_pem = SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  secure_wipe(key.data(), key.size());
  // Validate both.
  PROSE_TRY(X509Ptr x, pem_to_cert(c.cert_pem));
  PROSE_TRY(KeyPtr k, pem_to_key(c.key_pem));
  if (X509_check_private_key(x.get(), k.get()) != 1)
    return fail(Errc::kInvalidArgument, key_path + " does not match " + cert_path);
  return c;
}

namespace {

using CrlPtr = std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)>;
using TimePtr = std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)>;

Result<CrlPtr> pem_to_crl(const std::string& pem, const std::string& what) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  CrlPtr c(b ? PEM_read_bio_X509_CRL(b.get(), nullptr, nullptr, nullptr) : nullptr, X509_CRL_free);
  if (!c) return fail(Errc::kMalformed, what + " is not a PEM CRL: " + detail::openssl_errors());
  return c;
}

bool serial_listed(X509_CRL* crl, const ASN1_INTEGER* serial) {
  STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(list); ++i)
    if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(list, i)), serial) == 0) return true;
  return false;
}

}  // namespace

Result<std::string> make_crl(const Credential& ca, const std::string& previous, const std::vector<std::string>& revoke,
                             int days) {
  PROSE_TRY_STATUS(check_days(days));
  PROSE_TRY(X509Ptr ca_cert, pem_to_cert(ca.cert_pem));
  PROSE_TRY(KeyPtr ca_key, pem_to_key(ca.key_pem));
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    return fail(Errc::kInvalidArgument, "CA key does not match the CA certificate");
  CrlPtr crl(X509_CRL_new(), X509_CRL_free);
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return ossl_fail("CRL");
  TimePtr now(X509_gmtime_adj(nullptr, 0), ASN1_TIME_free);
  TimePtr next(X509_time_adj_ex(nullptr, days, 0, nullptr), ASN1_TIME_free);
  if (!now || !next || X509_CRL_set1_lastUpdate(crl.get(), now.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1)
    return ossl_fail("CRL validity");
  std::int64_t number = 1;
  if (!previous.empty()) {
    PROSE_TRY(CrlPtr prev, pem_to_crl(previous, "the previous CRL"));
    if (X509_NAME_cmp(X509_CRL_get_issuer(prev.get()), X509_get_subject_name(ca_cert.get())) != 0 ||
        X509_CRL_verify(prev.get(), X509_get0_pubkey(ca_cert.get())) != 1) {
      ERR_clear_error();
      return fail(Errc::kInvalidArgument, "the previous CRL is not signed by this CA");
    }
    STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(prev.get());
    for (int i = 0; i < sk_X509_REVOKED_num(list); ++i) {
      X509_REVOKED* copy = X509_REVOKED_dup(sk_X509_REVOKED_value(list, i));
      if (copy == nullptr || X509_CRL_add0_revoked(crl.get(), copy) != 1) {
        X509_REVOKED_free(copy);
        return ossl_fail("CRL entry");
      }
    }
    IntPtr prev_number(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(prev.get(), NID_crl_number, nullptr, nullptr)),
                       ASN1_INTEGER_free);
    std::int64_t n = 0;
    if (prev_number && ASN1_INTEGER_get_int64(&n, prev_number.get()) == 1 && n >= 0 && n < INT64_MAX) number = n + 1;
  }
  for (const auto& pem : revoke) {
    PROSE_TRY(X509Ptr cert, pem_to_cert(pem));
    if (X509_check_issued(ca_cert.get(), cert.get()) != X509_V_OK ||
        X509_verify(cert.get(), X509_get0_pubkey(ca_cert.get())) != 1) {
      ERR_clear_error();
      return fail(Errc::kInvalidArgument,
                  "certificate " + name_text(X509_get_subject_name(cert.get())) + " was not issued by this CA");
    }
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    if (serial_listed(crl.get(), serial)) continue;
    X509_REVOKED* r = X509_REVOKED_new();
    if (r == nullptr || X509_REVOKED_set_serialNumber(r, const_cast<ASN1_INTEGER*>(serial)) != 1 ||
        X509_REVOKED_set_revocationDate(r, now.get()) != 1 || X509_CRL_add0_revoked(crl.get(), r) != 1) {
      X509_REVOKED_free(r);
      return ossl_fail("CRL entry");
    }
  }
  IntPtr n(ASN1_INTEGER_new(), ASN1_INTEGER_free);
  if (!n || ASN1_INTEGER_set_int64(n.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, n.get(), 0, 0) != 1)
    return ossl_fail("CRL number");
  {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca_cert.get(), nullptr, nullptr, crl.get(), 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
    int ok = ext != nullptr ? X509_CRL_add_ext(crl.get(), ext, -1) : 0;
    X509_EXTENSION_free(ext);
    if (ok != 1) return ossl_fail("CRL authority key identifier");
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) <= 0)
    return ossl_fail("signing the CRL");
  BioPtr b(BIO_new(BIO_s_mem()), BIO_free);
  if (!b || PEM_write_bio_X509_CRL(b.get(), crl.get()) != 1) return ossl_fail("PEM encoding of the CRL");
  return bio_string(b.get());
}

Result<CrlResult> update_crl(const std::string& dir, const Identities& which,
                             const std::vector<std::string>& cert_files, int days) {
  PROSE_TRY_STATUS(check_days(days));
  PROSE_TRY(auto ids, parse_identities(which.ues, which.relays, which.operators));
  std::filesystem::path d(dir);
  PROSE_TRY(Credential ca, load_credential((d / "ca.pem").string(), (d / "ca.key").string()));
  CrlResult r;
  r.path = (d / kCrlFile).string();
  std::vector<std::string> files;
  for (const auto& id : ids) files.push_back((d / (file_base(id) + ".pem")).string());
  files.insert(files.end(), cert_files.begin(), cert_files.end());
  std::vector<std::string> pems;
  for (const auto& f : files) {
    auto pem = read_file(f);
    if (!pem.ok()) return fail(Errc::kInvalidArgument, "no certificate " + f);
    pems.push_back(std::move(*pem));
  }
  std::string previous;
  std::error_code ec;
  if (std::filesystem::exists(r.path, ec)) {
    PROSE_TRY(previous, read_file(r.path));
  }
  PROSE_TRY(std::string crl, make_crl(ca, previous, pems, days));
  PROSE_TRY(CrlPtr parsed, pem_to_crl(crl, "the new CRL"));
  r.entries = static_cast<std::size_t>(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(parsed.get())));
  PROSE_TRY_STATUS(write_file(r.path, crl, 0644));
  r.revoked = std::move(files);
  return r;
}

Result<InitResult> init(const InitOptions& opt) {
  if (opt.dir.empty()) return fail(Errc::kInvalidArgument, "--dir is empty");
  PROSE_TRY_STATUS(check_days(opt.days));
  PROSE_TRY(auto ids, parse_identities(opt.ues, opt.relays, opt.operators));
  if (!valid_dns_name(opt.server_name))
    return fail(Errc::kInvalidArgument, "--server-name '" + opt.server_name + "' is not a DNS name");
  for (const auto& ip : opt.server_ips)
    if (!valid_ip(ip)) return fail(Errc::kInvalidArgument, "server IP '" + ip + "' is not an IP address");
  std::filesystem::path d(opt.dir);
  std::error_code ec;
  if (std::filesystem::exists(d / "ca.pem", ec))
    return fail(Errc::kInvalidArgument, opt.dir + " already holds a PKI (ca.pem); use `prose pki issue` to add");
  // Build everything in memory first, then write.
  PROSE_TRY(Credential ca, make_ca("ProSe test CA", opt.days));
  CertSpec server;
  server.common_name = opt.server_name;
  server.usage = Usage::kServer;
  server.dns_names = {opt.server_name};
  server.ip_addresses = opt.server_ips;
  server.not_after_offset = std::int64_t{opt.days} * 86400;
  PROSE_TRY(Credential pkmf, issue(ca, server));
  std::vector<std::pair<std::string, Credential>> clients;
  for (const auto& id : ids) {
    PROSE_TRY(Credential c, issue_identity(ca, id, opt.days));
    clients.emplace_back(file_base(id), std::move(c));
  }
  PROSE_TRY(std::string crl, make_crl(ca, "", {}, opt.days));
  std::filesystem::create_directories(d, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + opt.dir + ": " + ec.message());
  InitResult r;
  auto put = [&](const std::string& base, const Credential& c) -> Status {
    PROSE_TRY_STATUS(write_credential(opt.dir, base, c));
    r.files.push_back((d / (base + ".pem")).string());
    r.files.push_back((d / (base + ".key")).string());
    return ok_status();
  };
  PROSE_TRY_STATUS(put("ca", ca));
  PROSE_TRY_STATUS(put("pkmf", pkmf));
  for (const auto& [base, c] : clients) PROSE_TRY_STATUS(put(base, c));
  PROSE_TRY_STATUS(write_file(d / kCrlFile, crl, 0644));
  r.files.push_back((d / kCrlFile).string());
  return r;
}

Result<InitResult> issue_more(const std::string& dir, const Identities& which, int days) {
  PROSE_TRY_STATUS(check_days(days));
  PROSE_TRY(auto ids, parse_identities(which.ues, which.relays, which.operators));
  if (ids.empty()) return fail(Errc::kInvalidArgument, "give at least one --ue, --relay or --operator");
  std::filesystem::path d(dir);
  PROSE_TRY(Credential ca, load_credential((d / "ca.pem").string(), (d / "ca.key").string()));
  std::vector<std::pair<std::string, Credential>> clients;
  for (const auto& id : ids) {
    PROSE_TRY(Credential c, issue_identity(ca, id, days));
    clients.emplace_back(file_base(id), std::move(c));
  }
  InitResult r;
  for (const auto& [base, c] : clients) {
    PROSE_TRY_STATUS(write_credential(dir, base, c));
    r.files.push_back((d / (base + ".pem")).string());
    r.files.push_back((d / (base + ".key")).string());
  }
  return r;
}

}  // namespace prose::net::pki
