// Test client for tests/integration/hss_diameter: plays the PKMF against a running `prose hss` and the Remote UE
// with an emulated USIM. Exit 0 when every step behaved as expected; prints one line per step.
#include <cstdlib>
#include <iostream>
#include <string>

#include "prose/diameter_client/client.h"
#include "prose/gba/gba.h"
#include "prose/util/hex.h"

using namespace prose;

namespace {
int failures = 0;
void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: hss_diameter_client PORT IMSI IMPI K OPC NAF_FQDN\n";
    return 2;
  }
  diameter::ClientConfig cc;
  cc.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const std::string imsi = argv[2], impi = argv[3];
  const Bytes k = hex_literal(argv[4]), opc = hex_literal(argv[5]);
  const std::string fqdn = argv[6];
  Bytes naf_id(fqdn.begin(), fqdn.end());
  naf_id.insert(naf_id.end(), {0x01, 0x00, 0x00, 0x01, 0x0a});

  auto client = diameter::HssClient::connect(cc);
  if (!client.ok()) {
    std::cerr << "connect: " << client.error().to_string() << "\n";
    return 1;
  }
  auto& c = **client;
  check(c.watchdog().ok(), "DWR/DWA");

  auto usim = *crypto::Usim::create(k, opc);
  // 1. AV retrieval: the USIM accepts it and computes the same RES/CK/IK.
  auto av = c.get_auth_vector(imsi);
  check(av.ok(), "MAR/MAA authentication vector");
  if (av.ok()) {
    auto r = usim.authenticate(av->rand, av->autn);
    check(
        r.ok() && r->accepted && r->accepted->res == av->xres && r->accepted->ck == av->ck && r->accepted->ik == av->ik,
        "USIM accepts the vector, RES == XRES, same CK/IK");
  }
  // 2. GPI: the UE derives the same PRUK and PRUK ID.
  const std::uint64_t pruk_id = 0x5a5a000000000001ULL;
  auto g = c.get_gpi(imsi, impi, naf_id, pruk_id, 3600);
  check(g.ok(), "GPR/GPA GBA Push Info");
  if (g.ok()) {
    std::cout << "GPI: " << to_hex(g->gpi) << std::endl;
    auto o = gba::process_gpi(usim, impi, naf_id, g->gpi);
    check(o.ok() && o->accepted && o->accepted->pruk_id.value == pruk_id && o->accepted->pruk == g->pruk,
          "UE opens the GPI: same PRUK ID and PRUK (" + g->pruk.fingerprint() + ")");
    // 3. Replaying the same GPI -> SQN failure -> AUTS -> resync -> the next GPI succeeds.
    auto replay = gba::process_gpi(usim, impi, naf_id, g->gpi);
    check(replay.ok() && replay->sync_failure.has_value(), "replayed GPI: SQN failure with AUTS");
  }
  // Make the USIM run ahead of the HSS (as after an HSS restore), forcing a real resynchronisation.
  std::vector<std::uint64_t> seqs = usim.seq_array();
  for (auto& s : seqs) s = 100000;
  usim.set_seq_array(seqs);
  auto g2 = c.get_gpi(imsi, impi, naf_id, pruk_id + 1, 3600);
  check(g2.ok(), "GPR for a USIM that is ahead");
  if (g2.ok()) {
    auto o2 = gba::process_gpi(usim, impi, naf_id, g2->gpi);
    check(o2.ok() && o2->sync_failure.has_value(), "GPI rejected by the USIM with AUTS");
    if (o2.ok() && o2->sync_failure) {
      auto rs = c.resync(imsi, o2->sync_failure->rand, o2->sync_failure->auts);
      check(rs.ok(), "MAR with RAND||AUTS: HSS resynchronised");
      auto g3 = c.get_gpi(imsi, impi, naf_id, pruk_id + 2, 3600);
      check(g3.ok(), "GPR after resync");
      if (g3.ok()) {
        auto o3 = gba::process_gpi(usim, impi, naf_id, g3->gpi);
        check(o3.ok() && o3->accepted && o3->accepted->pruk == g3->pruk && o3->accepted->pruk_id.value == pruk_id + 2,
              "GPI after resync accepted, same PRUK");
      }
    }
  }
  // 4. Errors.
  auto unknown = c.get_auth_vector("001019999999999");
  check(!unknown.ok() && c.last_answer_code().experimental && c.last_answer_code().code == 5001,
        "unknown user -> Experimental-Result-Code 5001");
  auto unknown_gpi = c.get_gpi("", "001019999999999@ims.mnc001.mcc001.3gppnetwork.org", naf_id, 0, 60);
  check(!unknown_gpi.ok() && c.last_answer_code().code == 5401, "unknown identity on Zpn -> 5401");
  Bytes other(naf_id);
  other[0] ^= 0x20;
  auto denied = c.get_gpi(imsi, impi, other, 0, 60);
  check(!denied.ok() && c.last_answer_code().code == 5402, "unauthorised NAF -> 5402");
  check(c.disconnect().ok(), "DPR/DPA");
  std::cout << (failures ? "FAILED" : "PASSED") << std::endl;
  return failures ? 1 : 0;
}
