// Test-only program for the net interop tests (not part of the prose command).
//   net_interop_server serve --pki DIR --port-file FILE [--psk-identity ID --psk-key HEX]
//       HTTPS server for POST /prose/pc8 (mutual TLS with DIR/pkmf.pem, client CA DIR/ca.pem; or TLS-PSK).
//       Decodes a KEY_REQUEST with the pc8 codec and answers a KEY_RESPONSE for the identity bound to the TLS
//       connection (header X-Prose-Peer). Runs until SIGTERM/SIGINT, then prints the server statistics.
//   net_interop_server pki-extra --dir DIR
//       Adds expired.pem/.key (signed by DIR/ca), other-ca.pem/.key and other.pem/.key (another CA).
//   net_interop_server example KIND      prints a sample pc8 message (pruk-request, kd-request, ...)
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "prose/net/pki.h"
#include "prose/net/server.h"
#include "prose/pc8/codec.h"
#include "prose/pc8/examples.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace {

using namespace prose;
using namespace prose::net;

int usage() {
  std::cerr
      << "usage: net_interop_server serve --pki DIR --port-file FILE [--crl FILE] [--psk-identity ID --psk-key HEX]\n"
         "       net_interop_server pki-extra --dir DIR\n"
         "       net_interop_server example KIND\n";
  return 2;
}

pc8::Response answer(const PeerIdentity& peer, const pc8::Request& req) {
  if (const auto* pr = std::get_if<pc8::PrukRequest>(&req)) {
    pc8::PrukResponse r;
    r.transaction_id = pr->transaction_id;
    if (peer.kind() == PeerKind::kRelay) {
      r.outcome = pc8::ErrorCode::kUeNotAuthorised;
    } else if (pr->delivery == pc8::PrukDelivery::kStop) {
      r.outcome = pc8::PrukStopAck{};
    } else {
      pc8::PrukGrant g;
      g.key_type_id = *pc8::KeyTypeId::from_value(1, "key type");
      g.pmk = pc8::PmkGrant{*pc8::PmkId::from_value(random_u64(), "PMK ID"), random_secret(pc8::kPmkSize)};
      r.outcome = std::move(g);
    }
    return r;
  }
  if (const auto* kr = std::get_if<pc8::KdRequest>(&req)) {
    pc8::KdResponse r;
    r.transaction_id = kr->transaction_id;
    if (peer.kind() != PeerKind::kRelay) {
      r.outcome = pc8::ErrorCode::kRelayNotAuthorised;
    } else {
      pc8::KdGrant g;
      g.kd = random_secret(pc8::kKdSize);
      random_fill(MutableByteView(g.kd_freshness.bytes.data(), g.kd_freshness.bytes.size()));
      if (const auto* imsi = std::get_if<pc8::Imsi>(&kr->remote_ue)) g.remote_ue = pc8::RemoteUeIdentity{*imsi, {}, {}};
      r.outcome = std::move(g);
    }
    return r;
  }
  // PGK and discovery requests: not served by this test server.
  pc8::PrukResponse r;
  r.transaction_id = std::visit([](const auto& m) { return m.transaction_id; }, req);
  r.outcome = pc8::ErrorCode::kUnsupportedRequest;
  return r;
}

HttpResponse handle(const PeerIdentity& peer, const HttpRequest& req) {
  HttpResponse res;
  if (req.target != pc8::kHttpPath) {
    res = make_error_response(404, "not found");
  } else if (req.method != pc8::kHttpMethod) {
    res = make_error_response(405, "method not allowed");
  } else {
    auto decoded = pc8::Codec::decode_request(req.body);
    if (!decoded.ok()) {
      res = make_error_response(400, decoded.error().to_string());
    } else {
      auto body = pc8::Codec::encode(answer(peer, *decoded));
      res = body.ok() ? make_response(200, std::string(pc8::kContentType), std::move(body).value())
                      : make_error_response(500, body.error().to_string());
    }
  }
  res.headers.emplace_back("X-Prose-Peer", peer.to_string());
  return res;
}

int serve(int argc, char** argv) {
  std::string pki_dir, port_file, psk_id, psk_key, crl;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pki")
      pki_dir = v;
    else if (k == "--port-file")
      port_file = v;
    else if (k == "--psk-identity")
      psk_id = v;
    else if (k == "--psk-key")
      psk_key = v;
    else if (k == "--crl")
      crl = v;
    else
      return usage();
  }
  if (port_file.empty() || (pki_dir.empty() && psk_id.empty())) return usage();
  HttpsServerConfig cfg;
  cfg.threads = 2;
  if (!psk_id.empty()) {
    auto key = SecretBytes::from_hex(psk_key, "--psk-key");
    if (!key.ok()) return usage();
    auto shared = std::make_shared<SecretBytes>(std::move(key).value());
    cfg.tls.psk = [psk_id, shared](std::string_view id) -> std::optional<SecretBytes> {
      if (id == psk_id) return shared->clone();
      return std::nullopt;
    };
  } else {
    cfg.tls.cert_file = pki_dir + "/pkmf.pem";
    cfg.tls.key_file = pki_dir + "/pkmf.key";
    cfg.tls.ca_file = pki_dir + "/ca.pem";
    cfg.tls.crl_file = crl;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server threads start
  HttpsServer server(cfg, handle);
  auto port = server.start();
  if (!port.ok()) {
    std::cerr << "net_interop_server: " << port.error().to_string() << "\n";
    return 1;
  }
  {
    std::ofstream(port_file + ".tmp") << *port << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  auto st = server.stats();
  std::cout << "connections_accepted " << st.connections_accepted << "\nhandshakes_failed " << st.handshakes_failed
            << "\nrequests " << st.requests << "\n";
  return 0;
}

int pki_extra(int argc, char** argv) {
  if (argc != 4 || std::string(argv[2]) != "--dir") return usage();
  std::string dir = argv[3];
  auto ca = pki::load_credential(dir + "/ca.pem", dir + "/ca.key");
  auto ue = PeerIdentity::ue("001010000000009");
  if (!ca.ok()) {
    std::cerr << ca.error().to_string() << "\n";
    return 1;
  }
  auto expired = pki::issue_expired_identity(*ca, *ue);
  auto other_ca = pki::make_ca("Another CA", 30);
  if (!expired.ok() || !other_ca.ok()) return 1;
  auto other = pki::issue_identity(*other_ca, *ue, 30);
  if (!other.ok()) return 1;
  if (!pki::write_credential(dir, "expired", *expired).ok() ||
      !pki::write_credential(dir, "other-ca", *other_ca).ok() || !pki::write_credential(dir, "other", *other).ok())
    return 1;
  return 0;
}

int example(int argc, char** argv) {
  if (argc != 3) return usage();
  auto m = pc8::example(argv[2]);
  if (!m) return usage();
  auto xml = pc8::Codec::encode(*m);
  if (!xml.ok()) return 1;
  std::cout << xml->view();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "serve") return serve(argc, argv);
  if (cmd == "pki-extra") return pki_extra(argc, argv);
  if (cmd == "example") return example(argc, argv);
  return usage();
}
