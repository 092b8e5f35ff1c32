// Test client for tests/integration/diameter_interop: the PKMF's Diameter side (prose::pkmf::HssGbaPush, Zpn
// mode) against freeDiameterd relaying to `prose hss`, and raw requests that probe the HSS's error answers.
// Prints one line per step; exit 0 when every step behaved as expected.
//   fd_interop_client gba PORT IMSI K OPC IDLE_S TW_S CONTROL_DIR
//   fd_interop_client unknown-avp PORT IMSI        (an MAR, then one with an unknown M-bit AVP: 5001 + Failed-AVP)
//   fd_interop_client cer-unknown-avp PORT         (CER with an unknown M-bit AVP on a raw socket: 5001)
#include <boost/asio.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include "prose/crypto/milenage.h"
#include "prose/diameter_client/client.h"
#include "prose/gba/gba.h"
#include "prose/keys/prose_keys.h"
#include "prose/pkmf/hss_gba_push.h"
#include "prose/util/hex.h"

using namespace prose;
namespace d = prose::diameter;

namespace {
int failures = 0;
void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}
constexpr std::uint32_t kUnknownAvp = 65000;  // no such AVP in RFC 6733 or 3GPP vendor space as used here
const char* kFqdn = "pkmf.prose.test";

std::string stats_line(const pkmf::HssGbaPushStats& s) {
  return "connections=" + std::to_string(s.connections) + " requests=" + std::to_string(s.requests) +
         " retransmissions=" + std::to_string(s.retransmissions);
}

bool failed_avp_names(const d::Message& ans, std::uint32_t code) {
  const d::Avp* f = d::find(ans.avps, d::avp::kFailedAvp);
  if (!f) return false;
  auto inner = d::as_grouped(*f);
  return inner.ok() && !inner->empty() && inner->front().code == code;
}

int gba_push(int argc, char** argv) {
  if (argc != 9) return 2;
  const std::uint16_t port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  const std::string imsi = argv[3];
  const Bytes k = hex_literal(argv[4]), opc = hex_literal(argv[5]);
  const int idle = std::atoi(argv[6]), tw = std::atoi(argv[7]);
  const std::filesystem::path control = argv[8];
  pkmf::HssGbaPushConfig cfg;
  cfg.mode = pkmf::GbaPushMode::kZpn;
  cfg.pkmf_fqdn = kFqdn;
  cfg.diameter.port = port;
  cfg.diameter.watchdog = std::chrono::seconds(tw);
  cfg.diameter.timeout = std::chrono::milliseconds(3000);
  cfg.max_attempts = 3;
  const std::string impi = pkmf::impi_for(cfg.impi_template, imsi);
  pkmf::HssGbaPush push(cfg);

  auto g1 = push.push(imsi, 0x1001, 600);
  check(g1.ok(), "GBA Push through the relay" + (g1.ok() ? "" : ": " + g1.error().to_string()));
  std::cout << "idle for " << idle << " s (Tw " << tw << " s)" << std::endl;
  std::this_thread::sleep_for(std::chrono::seconds(idle));
  auto g2 = push.push(imsi, 0x1002, 600);
  auto s2 = push.stats();
  check(g2.ok() && s2.connections == 1 && s2.requests == 2,
        "after the idle period the next GBA Push succeeds at the first attempt on the same connection (" +
            stats_line(s2) + ")" + (g2.ok() ? "" : ": " + g2.error().to_string()));

  // The relay->HSS proxy loses the next GPA: the client retransmits (T flag, same End-to-End Identifier).
  std::ofstream(control / "drop-gpa") << "1\n";
  auto g3 = push.push(imsi, 0x1003, 600);
  auto s3 = push.stats();
  check(g3.ok() && std::filesystem::exists(control / "dropped-gpa") && s3.retransmissions == 1 && s3.connections == 1,
        "a lost GPA is retransmitted and answered (" + stats_line(s3) + ")" +
            (g3.ok() ? "" : ": " + g3.error().to_string()));
  if (g3.ok()) {
    std::cout << "P-TID " << g3->pruk_id.value << " key " << g3->pruk.fingerprint() << std::endl;
    // The UE opens the GPI it would be sent and derives the same key.
    auto usim = crypto::Usim::create(k, opc);
    auto out = gba::process_gpi(*usim, impi, keys::make_pkmf_naf_id(kFqdn), g3->gpi);
    check(out.ok() && out->accepted && out->accepted->pruk.reveal_hex() == g3->pruk.reveal_hex(),
          "the UE derives the retransmission's key from its GPI");
  }
  return failures ? 1 : 0;
}

int unknown_avp(int argc, char** argv) {
  if (argc != 4) return 2;
  diameter::ClientConfig cc;
  cc.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  auto client = diameter::HssClient::connect(cc);
  check(client.ok(), "CER/CEA with the relay" + (client.ok() ? "" : ": " + client.error().to_string()));
  if (!client.ok()) return 1;
  auto av = (*client)->get_auth_vector(argv[3]);
  check(av.ok(), "MAR answered with a vector through the relay" + (av.ok() ? "" : ": " + av.error().to_string()));
  d::Message mar = diameter::HssClient::mar_request(cc, argv[3], std::nullopt);
  mar.avps.push_back(d::make_u32(kUnknownAvp, 7));  // M bit set
  auto ans = (*client)->transact(mar);
  check(ans.ok(), "MAR with an unknown M-bit AVP answered" + (ans.ok() ? "" : ": " + ans.error().to_string()));
  if (ans.ok()) {
    diameter::AnswerCode code;
    (void)diameter::answer_status(*ans, "MAR", code);
    const d::Avp* oh = d::find(ans->avps, d::avp::kOriginHost);
    check(code.code == d::rc::kAvpUnsupported && !code.experimental && failed_avp_names(*ans, kUnknownAvp),
          "answer is 5001 with the AVP in Failed-AVP, from " + (oh ? d::as_string(*oh) : std::string("?")) +
              " (Result-Code " + std::to_string(code.code) + ")");
  }
  check((*client)->disconnect().ok(), "DPR/DPA with the relay");
  return failures ? 1 : 0;
}

int cer_unknown_avp(int argc, char** argv) {
  if (argc != 3) return 2;
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(std::atoi(argv[2]))}, ec);
  if (ec) {
    check(false, "connect: " + ec.message());
    return 1;
  }
  d::Message cer;
  cer.flags = d::kFlagRequest;
  cer.command_code = d::cmd::kCapabilitiesExchange;
  cer.hop_by_hop = 1;
  cer.end_to_end = diameter::next_end_to_end();
  cer.avps = {d::make_str(d::avp::kOriginHost, "probe.prose.lab"),
              d::make_str(d::avp::kOriginRealm, "prose.lab"),
              d::make_ipv4(d::avp::kHostIpAddress, 0x7f000001),
              d::make_u32(d::avp::kVendorId, 0),
              d::make_str(d::avp::kProductName, "probe", 0, false),
              d::make_u32(d::avp::kAuthApplicationId, d::app::kZpn),
              d::make_u32(kUnknownAvp, 7)};
  asio::write(s, asio::buffer(*d::encode(cer)), ec);
  Bytes hdr(4);
  asio::read(s, asio::buffer(hdr), ec);
  auto len = d::frame_length(hdr);
  if (ec || !len.ok() || !len->has_value()) {
    check(false, "no CEA");
    return 1;
  }
  Bytes raw(**len);
  std::copy(hdr.begin(), hdr.end(), raw.begin());
  asio::read(s, asio::buffer(raw.data() + 4, raw.size() - 4), ec);
  auto cea = d::decode(raw);
  diameter::AnswerCode code;
  check(cea.ok() && !answer_status(*cea, "CER", code).ok() && code.code == d::rc::kAvpUnsupported &&
            failed_avp_names(*cea, kUnknownAvp),
        "CER with an unknown M-bit AVP answered 5001 with Failed-AVP");
  return failures ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  int rc = 2;
  if (cmd == "gba") rc = gba_push(argc, argv);
  if (cmd == "unknown-avp") rc = unknown_avp(argc, argv);
  if (cmd == "cer-unknown-avp") rc = cer_unknown_avp(argc, argv);
  if (rc == 2) std::cerr << "usage: see the comment at the top of fd_interop_client.cpp\n";
  return rc;
}
