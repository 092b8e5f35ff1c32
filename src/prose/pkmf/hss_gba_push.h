// GbaPush over the network to the HSS/BSF (Diameter, prose::diameter::HssClient), in either of the requirement's
// two ways (step 4b):
//  * kZpn:  ask the UE's BSF for a GPI with the PRUK ID in the P-TID field; PRUK = Ks_(ext)_NAF from the BSF.
//  * kPc4a: ask the HSS for an authentication vector and form the GPI here (gba::create_gpi).
// One Diameter connection at a time, to the first peer that answers (the configured peer, then the alternates);
// calls are serialised. Every request is tried at most max_attempts times (docs/pkmf.md "Diameter results"):
//  * no answer within the timeout: retransmitted with the T flag and the same End-to-End Identifier (RFC 6733
//    5.5.4), on the same connection while it lives, else on the next peer (failover, RFC 3539);
//  * 3002/3004 (unable to deliver, too busy): after a back-off, sent again (a new request) to the next peer;
//  * any other answer is final at once; only a dead transport or exhausted attempts end as kIo/kTimeout.
// A connection given up is closed with DPR/DPA (RFC 6733 5.4).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prose/diameter_client/client.h"
#include "prose/pkmf/providers.h"

namespace prose::pkmf {

enum class GbaPushMode { kZpn, kPc4a };

struct DiameterPeer {
  std::string host;
  std::uint16_t port = 3868;
};

struct HssGbaPushConfig {
  diameter::ClientConfig diameter;            // the first peer (host, port) and the local identity
  std::vector<DiameterPeer> alternate_peers;  // tried in order after the first one
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff{200};  // doubled after every 3002/3004
  GbaPushMode mode = GbaPushMode::kPc4a;
  std::string pkmf_fqdn = "pkmf.prose.test";  // NAF FQDN in NAF_Id
  // IMPI for an IMSI (TS 23.003 13.3): "{imsi}" is replaced by the digits.
  std::string impi_template = "{imsi}@ims.mnc001.mcc001.3gppnetwork.org";
};

// Counters of the Diameter side, for logs and tests.
struct HssGbaPushStats {
  std::uint64_t connections = 0;      // capabilities exchanges that succeeded
  std::uint64_t requests = 0;         // requests sent, retransmissions included
  std::uint64_t retransmissions = 0;  // copies sent with the T flag
  std::uint64_t redirected = 0;       // requests sent again after 3002/3004
};

std::string impi_for(const std::string& impi_template, const std::string& imsi);

class HssGbaPush final : public GbaPush {
 public:
  explicit HssGbaPush(HssGbaPushConfig config);
  ~HssGbaPush() override;
  Result<gba::CreatedGpi> push(const std::string& imsi, std::uint64_t pruk_id, std::uint32_t lifetime_s) override;
  Status resync(const std::string& imsi, ByteView rand, ByteView auts) override;
  HssGbaPushStats stats() const;

 private:
  Result<diameter::HssClient*> client();
  void drop_client();
  void next_peer();
  // Sends `req` (built on the current client) with the retry rules above; the answer is checked by the caller.
  Result<diameter::Message> exchange(diameter::Message req);
  HssGbaPushConfig config_;
  std::vector<DiameterPeer> peers_;
  std::size_t peer_ = 0;
  Bytes naf_id_;
  mutable std::mutex mu_;
  std::unique_ptr<diameter::HssClient> client_;
  HssGbaPushStats stats_;
};

}  // namespace prose::pkmf
