#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>

#include "prose/net/identity.h"
#include "prose/net/pki.h"
#include "test_util.h"

namespace prose::net {
namespace {

using test::make_temp_dir;

Bytes pem_to_der(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (x == nullptr) return {};
  unsigned char* out = nullptr;
  int n = i2d_X509(x, &out);
  Bytes der(out, out + n);
  OPENSSL_free(out);
  X509_free(x);
  return der;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PeerIdentity, ParsesSanUris) {
  auto ue = PeerIdentity::from_san_uri("imsi-001010123456789");
  ASSERT_TRUE(ue.ok());
  EXPECT_EQ(ue->kind(), PeerKind::kUe);
  EXPECT_EQ(ue->id(), "001010123456789");
  EXPECT_EQ(ue->to_string(), "imsi-001010123456789");
  auto relay = PeerIdentity::from_san_uri("relay-r1.lab_A");
  ASSERT_TRUE(relay.ok());
  EXPECT_EQ(relay->kind(), PeerKind::kRelay);
  EXPECT_EQ(relay->id(), "r1.lab_A");
  EXPECT_EQ(*relay->san_uri(), "relay-r1.lab_A");
}

TEST(PeerIdentity, RejectsBadUris) {
  for (const char* bad : {"", "imsi-", "imsi-12345", "imsi-1234567890123456", "imsi-00101x", "relay-", "relay-a b",
                          "relay-a/b", "IMSI-001010123456789", "urn:imsi-001010123456", "imsi-001010123456\n"}) {
    EXPECT_FALSE(PeerIdentity::from_san_uri(bad).ok()) << bad;
  }
  EXPECT_FALSE(PeerIdentity::relay(std::string(kRelayIdMaxLen + 1, 'a')).ok());
  EXPECT_TRUE(PeerIdentity::relay(std::string(kRelayIdMaxLen, 'a')).ok());
}

// Issue 17 (defect 9): the operator role, for /metrics; same characters as a relay id.
TEST(PeerIdentity, OperatorIdentity) {
  auto op = PeerIdentity::from_san_uri("operator-ops.monitor_1");
  ASSERT_TRUE(op.ok()) << op.error().to_string();
  EXPECT_EQ(op->kind(), PeerKind::kOperator);
  EXPECT_EQ(op->id(), "ops.monitor_1");
  EXPECT_EQ(*op->san_uri(), "operator-ops.monitor_1");
  EXPECT_EQ(peer_kind_name(op->kind()), "operator");
  EXPECT_EQ(pki::file_base(*op), "operator-ops.monitor_1");
  for (const char* bad : {"operator-", "operator-a b", "operator-a/b", "OPERATOR-ops"})
    EXPECT_FALSE(PeerIdentity::from_san_uri(bad).ok()) << bad;
  EXPECT_FALSE(PeerIdentity::operator_id(std::string(kOperatorIdMaxLen + 1, 'a')).ok());
  // A certificate with an operator URI and a UE URI is ambiguous like any two identities.
  const auto& p = test::test_pki();
  auto ca = pki::load_credential(p.path("ca.pem"), p.path("ca.key"));
  ASSERT_TRUE(ca.ok());
  auto cert = pki::issue_identity(*ca, *op, 5);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(*PeerIdentity::from_certificate_der(pem_to_der(cert->cert_pem)), *op);
  pki::CertSpec spec;
  spec.common_name = "two";
  spec.uris = {"operator-ops", "imsi-001010000000001"};
  EXPECT_FALSE(PeerIdentity::from_certificate_der(pem_to_der(pki::issue(*ca, spec)->cert_pem)).ok());
}

TEST(PeerIdentity, PskIdentity) {
  auto p = PeerIdentity::psk("btid-1@bsf.prose.test");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind(), PeerKind::kPsk);
  EXPECT_FALSE(p->san_uri().ok());
  EXPECT_FALSE(PeerIdentity::psk("").ok());
  EXPECT_FALSE(PeerIdentity::psk("a b").ok());
  EXPECT_FALSE(PeerIdentity::psk(std::string(kPskIdentityMaxLen + 1, 'x')).ok());
}

TEST(PeerIdentity, FromCertificates) {
  const auto& p = test::test_pki();
  auto ue = PeerIdentity::from_certificate_der(pem_to_der(slurp(p.path(std::string("ue-") + test::kImsi + ".pem"))));
  ASSERT_TRUE(ue.ok()) << ue.error().to_string();
  EXPECT_EQ(*ue, *PeerIdentity::ue(test::kImsi));
  auto relay =
      PeerIdentity::from_certificate_der(pem_to_der(slurp(p.path(std::string("relay-") + test::kRelay + ".pem"))));
  ASSERT_TRUE(relay.ok());
  EXPECT_EQ(*relay, *PeerIdentity::relay(test::kRelay));
  // The server certificate and a certificate with a foreign URI carry no ProSe identity.
  auto server = PeerIdentity::from_certificate_der(pem_to_der(slurp(p.path("pkmf.pem"))));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::kDenied);
  EXPECT_FALSE(PeerIdentity::from_certificate_der(pem_to_der(slurp(p.path("noid.pem")))).ok());
  // Garbage and trailing bytes.
  EXPECT_EQ(PeerIdentity::from_certificate_der(Bytes{0x30, 0x03, 0x01}).error().code, Errc::kMalformed);
  Bytes der = pem_to_der(slurp(p.path("pkmf.pem")));
  der.push_back(0);
  EXPECT_EQ(PeerIdentity::from_certificate_der(der).error().code, Errc::kMalformed);
}

TEST(PeerIdentity, TwoIdentityUrisAreAmbiguous) {
  const auto& p = test::test_pki();
  auto ca = pki::load_credential(p.path("ca.pem"), p.path("ca.key"));
  ASSERT_TRUE(ca.ok());
  pki::CertSpec spec;
  spec.common_name = "two";
  spec.uris = {"imsi-001010000000001", "relay-x"};
  auto two = pki::issue(*ca, spec);
  ASSERT_TRUE(two.ok());
  EXPECT_FALSE(PeerIdentity::from_certificate_der(pem_to_der(two->cert_pem)).ok());
}

TEST(Pki, InitWritesEverythingWithPrivateKeys0600) {
  std::string dir = make_temp_dir() + "/pki";
  pki::InitOptions o;
  o.dir = dir;
  o.ues = {"001010000000001", "001010000000002"};
  o.relays = {"r1"};
  o.days = 10;
  auto r = pki::init(o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->files.size(), 11u);  // 5 credentials and the (empty) CRL
  EXPECT_TRUE(std::filesystem::exists(dir + "/crl.pem"));
  for (const char* f : {"ca", "pkmf", "ue-001010000000001", "ue-001010000000002", "relay-r1"}) {
    struct stat st {};
    ASSERT_EQ(stat((dir + "/" + f + ".key").c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    ASSERT_EQ(stat((dir + "/" + f + ".pem").c_str(), &st), 0) << f;
  }
  // The server certificate names pkmf.prose.test and 127.0.0.1.
  std::string pem = slurp(dir + "/pkmf.pem");
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_check_host(x, "pkmf.prose.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(x, "other.prose.test", 0, 0, nullptr), 1);
  X509_free(x);
  // A second init into the same directory is refused; issue_more adds to it.
  EXPECT_FALSE(pki::init(o).ok());
  auto more = pki::issue_more(dir, {{"001010000000003"}, {}, {}}, 5);
  ASSERT_TRUE(more.ok()) << more.error().to_string();
  EXPECT_TRUE(std::filesystem::exists(dir + "/ue-001010000000003.key"));
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(Pki, BadInputWritesNothing) {
  std::string base = make_temp_dir();
  pki::InitOptions o;
  o.dir = base + "/pki";
  o.ues = {"001010000000001", "12x"};
  auto r = pki::init(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--ue '12x'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(o.dir));
  o.ues = {"001010000000001", "001010000000001"};
  EXPECT_FALSE(pki::init(o).ok());
  o.ues = {};
  o.days = 0;
  EXPECT_FALSE(pki::init(o).ok());
  o.days = 1;
  o.server_name = "bad name";
  EXPECT_FALSE(pki::init(o).ok());
  EXPECT_FALSE(std::filesystem::exists(o.dir));
  std::filesystem::remove_all(base);
}

// The serial numbers a PEM CRL lists (hex), and its CRL number.
std::pair<std::vector<std::string>, long> crl_entries(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_CRL* crl = PEM_read_bio_X509_CRL(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  std::vector<std::string> out;
  if (crl == nullptr) return {out, -1};
  STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(list); ++i) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(list, i)), nullptr);
    char* hex = BN_bn2hex(bn);
    out.emplace_back(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  auto* n = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr));
  long number = n ? ASN1_INTEGER_get(n) : -1;
  ASN1_INTEGER_free(n);
  X509_CRL_free(crl);
  return {out, number};
}

std::string serial_of(const std::string& cert_pem) {
  BIO* b = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string s(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(x);
  return s;
}

// Issue 17 (defect 11): the test PKI issues CRLs; `prose pki revoke` keeps the earlier entries.
TEST(Pki, RevokeAddsToTheCrlAndKeepsEarlierEntries) {
  std::string dir = make_temp_dir() + "/pki";
  pki::InitOptions o;
  o.dir = dir;
  o.ues = {"001010000000001", "001010000000002"};
  o.relays = {"r1"};
  o.operators = {"ops"};
  ASSERT_TRUE(pki::init(o).ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/operator-ops.pem"));
  auto [empty, n1] = crl_entries(slurp(dir + "/crl.pem"));
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(n1, 1);

  auto r = pki::update_crl(dir, {{"001010000000001"}, {}, {}}, {}, 30);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->entries, 1u);
  EXPECT_EQ(r->path, dir + "/crl.pem");
  auto r2 = pki::update_crl(dir, {{}, {"r1"}, {"ops"}}, {}, 30);
  ASSERT_TRUE(r2.ok()) << r2.error().to_string();
  auto [serials, n3] = crl_entries(slurp(dir + "/crl.pem"));
  EXPECT_EQ(n3, 3);
  std::set<std::string> got(serials.begin(), serials.end());
  EXPECT_EQ(got, (std::set<std::string>{serial_of(slurp(dir + "/ue-001010000000001.pem")),
                                        serial_of(slurp(dir + "/relay-r1.pem")),
                                        serial_of(slurp(dir + "/operator-ops.pem"))}));
  // Revoking again adds nothing; a refresh keeps the entries with a new number.
  ASSERT_TRUE(pki::update_crl(dir, {}, {dir + "/relay-r1.pem"}, 30).ok());
  auto [again, n4] = crl_entries(slurp(dir + "/crl.pem"));
  EXPECT_EQ(again.size(), 3u);
  EXPECT_EQ(n4, 4);

  // Bad input writes nothing: an unknown identity, a certificate of another CA, a bad identity.
  const std::string before = slurp(dir + "/crl.pem");
  EXPECT_FALSE(pki::update_crl(dir, {{"001010000000009"}, {}, {}}, {}, 30).ok());
  EXPECT_FALSE(pki::update_crl(dir, {}, {test::test_pki().path("ue-001010000000001.pem")}, 30).ok());
  EXPECT_FALSE(pki::update_crl(dir, {{"12x"}, {}, {}}, {}, 30).ok());
  EXPECT_FALSE(pki::update_crl(dir, {}, {}, 0).ok());
  EXPECT_EQ(slurp(dir + "/crl.pem"), before);
  // A CRL of another CA is not continued.
  auto other = pki::load_credential(test::test_pki().path("other-ca.pem"), test::test_pki().path("other-ca.key"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(pki::make_crl(*other, before, {}, 30).ok());
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(Pki, LoadCredentialRejectsMismatchedKey) {
  const auto& p = test::test_pki();
  EXPECT_FALSE(pki::load_credential(p.path("ca.pem"), p.path("pkmf.key")).ok());
  EXPECT_FALSE(pki::load_credential(p.path("missing.pem"), p.path("pkmf.key")).ok());
  EXPECT_TRUE(pki::load_credential(p.path("pkmf.pem"), p.path("pkmf.key")).ok());
}

}  // namespace
}  // namespace prose::net
