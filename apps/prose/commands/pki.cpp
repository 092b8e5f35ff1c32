// prose pki: a test/lab PKI for the PC8 HTTPS interface (src/prose/net/pki.h).
//   prose pki init   --dir DIR [--ue IMSI ...] [--relay ID ...] [--operator NAME ...] [--server-name NAME]
//                    [--server-ip IP ...] [--days N]
//   prose pki issue  --dir DIR [--ue IMSI ...] [--relay ID ...] [--operator NAME ...] [--days N]
//   prose pki revoke --dir DIR [--ue IMSI ...] [--relay ID ...] [--operator NAME ...] [--cert FILE ...] [--days N]
//   prose pki crl    --dir DIR [--days N]   re-issue DIR/crl.pem with a fresh validity
//   prose pki show   --cert FILE      the ProSe identity a client certificate carries
#include <fstream>
#include <sstream>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "prose/net/identity.h"
#include "prose/net/pki.h"

namespace prose::cli::pki_command {

namespace {

void print_files(const std::string& dir, const net::pki::InitResult& r, bool json) {
  Output out(json);
  out.text("directory", "Directory", dir);
  if (json) {
    out.raw("files", r.files);
  } else {
    for (const auto& f : r.files) out.line("File", f);
  }
  out.print();
}

}  // namespace

void register_pki(CLI::App& app) {
  CLI::App* pki = app.add_subcommand("pki", "Test PKI for mutual TLS on PC8: CA, PKMF server and client certificates");
  pki->require_subcommand(1);

  struct InitArgs {
    std::string dir, server_name = net::pki::kDefaultServerName;
    std::vector<std::string> ues, relays, operators, server_ips, certs;
    std::string days = std::to_string(net::pki::kDefaultDays);
    bool* json = nullptr;
  };
  auto* a = new InitArgs;
  CLI::App* init = pki->add_subcommand(
      "init",
      "Create DIR with ca.pem/.key, pkmf.pem/.key (server), ue-<IMSI> / relay-<ID> / operator-<NAME> client "
      "credentials and an empty crl.pem");
  init->add_option("--dir", a->dir, "Directory to create (must not hold a PKI yet)")->required();
  init->add_option("--ue", a->ues, "IMSI of a Remote UE (repeatable); SAN URI imsi-<IMSI>");
  init->add_option("--relay", a->relays, "Relay identity (repeatable); SAN URI relay-<ID>");
  init->add_option("--operator", a->operators,
                   "Operator name (repeatable); SAN URI operator-<NAME>: may read the PKMF's /metrics, no keys");
  init->add_option("--server-name", a->server_name, "DNS name in the PKMF certificate")->capture_default_str();
  init->add_option("--server-ip", a->server_ips, "IP address in the PKMF certificate (repeatable; default 127.0.0.1)");
  init->add_option("--days", a->days, "Validity in days")->capture_default_str();
  a->json = add_json_flag(init, {"directory", "files"});
  init->callback([a] {
    net::pki::InitOptions o;
    o.dir = a->dir;
    o.ues = a->ues;
    o.relays = a->relays;
    o.operators = a->operators;
    o.server_name = a->server_name;
    if (!a->server_ips.empty()) o.server_ips = a->server_ips;
    o.days = static_cast<int>(int_option("--days", a->days, 1, net::pki::kMaxDays));
    auto r = or_exit(net::pki::init(o), "pki init");
    print_files(a->dir, r, *a->json);
  });

  auto* b = new InitArgs;
  CLI::App* issue = pki->add_subcommand("issue", "Add client credentials to a DIR made by `prose pki init`");
  issue->add_option("--dir", b->dir, "PKI directory (holds ca.pem and ca.key)")->required();
  issue->add_option("--ue", b->ues, "IMSI of a Remote UE (repeatable)");
  issue->add_option("--relay", b->relays, "Relay identity (repeatable)");
  issue->add_option("--operator", b->operators, "Operator name (repeatable)");
  issue->add_option("--days", b->days, "Validity in days")->capture_default_str();
  b->json = add_json_flag(issue, {"directory", "files"});
  issue->callback([b] {
    int days = static_cast<int>(int_option("--days", b->days, 1, net::pki::kMaxDays));
    auto r = or_exit(net::pki::issue_more(b->dir, {b->ues, b->relays, b->operators}, days), "pki issue");
    print_files(b->dir, r, *b->json);
  });

  auto* v = new InitArgs;
  CLI::App* revoke = pki->add_subcommand(
      "revoke", "Revoke client certificates of a DIR: add them to DIR/crl.pem (kept entries, fresh validity)");
  revoke->add_option("--dir", v->dir, "PKI directory (holds ca.pem and ca.key)")->required();
  revoke->add_option("--ue", v->ues, "IMSI whose DIR/ue-<IMSI>.pem is revoked (repeatable)");
  revoke->add_option("--relay", v->relays, "Relay whose DIR/relay-<ID>.pem is revoked (repeatable)");
  revoke->add_option("--operator", v->operators, "Operator whose DIR/operator-<NAME>.pem is revoked (repeatable)");
  revoke->add_option("--cert", v->certs, "Any PEM certificate file issued by DIR's CA (repeatable)");
  revoke->add_option("--days", v->days, "Validity of the CRL in days")->capture_default_str();
  v->json = add_json_flag(revoke, {"crl", "entries", "revoked"});
  auto crl_out = [](const net::pki::CrlResult& r, bool json) {
    Output out(json);
    out.text("crl", "CRL", r.path);
    out.num("entries", "Entries", static_cast<std::int64_t>(r.entries));
    if (json) {
      out.raw("revoked", r.revoked);
    } else {
      for (const auto& f : r.revoked) out.line("Revoked", f);
    }
    out.print();
  };
  revoke->callback([v, crl_out] {
    int days = static_cast<int>(int_option("--days", v->days, 1, net::pki::kMaxDays));
    if (v->ues.empty() && v->relays.empty() && v->operators.empty() && v->certs.empty())
      bad_input("give at least one --ue, --relay, --operator or --cert");
    auto r = or_exit(net::pki::update_crl(v->dir, {v->ues, v->relays, v->operators}, v->certs, days), "pki revoke");
    crl_out(r, *v->json);
  });

  auto* c = new InitArgs;
  CLI::App* crl = pki->add_subcommand("crl", "Re-issue DIR/crl.pem (same entries) with a fresh validity");
  crl->add_option("--dir", c->dir, "PKI directory (holds ca.pem and ca.key)")->required();
  crl->add_option("--days", c->days, "Validity of the CRL in days")->capture_default_str();
  c->json = add_json_flag(crl, {"crl", "entries", "revoked"});
  crl->callback([c, crl_out] {
    int days = static_cast<int>(int_option("--days", c->days, 1, net::pki::kMaxDays));
    crl_out(or_exit(net::pki::update_crl(c->dir, {}, {}, days), "pki crl"), *c->json);
  });

  struct ShowArgs {
    std::string cert;
    bool* json = nullptr;
  };
  auto* s = new ShowArgs;
  CLI::App* show = pki->add_subcommand("show", "Print the ProSe identity (SAN URI) a client certificate carries");
  show->add_option("--cert", s->cert, "PEM certificate file")->required();
  s->json = add_json_flag(show, {"kind", "identity", "san_uri"});
  show->callback([s] {
    std::ifstream in(s->cert);
    if (!in) bad_input("--cert: cannot open " + s->cert);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string pem = ss.str();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (x == nullptr) bad_input("--cert: " + s->cert + " is not a PEM certificate");
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0) bad_input("--cert: cannot encode the certificate");
    Bytes d(der, der + n);
    OPENSSL_free(der);
    auto id = or_exit(net::PeerIdentity::from_certificate_der(d), "--cert");
    Output out(*s->json);
    out.text("kind", "Kind", std::string(net::peer_kind_name(id.kind())));
    out.text("identity", "Identity", id.id());
    out.text("san_uri", "SAN URI", id.to_string());
    out.print();
  });
}

}  // namespace prose::cli::pki_command
