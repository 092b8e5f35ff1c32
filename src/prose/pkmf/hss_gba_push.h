// GbaPush over the network to the HSS/BSF (Diameter, prose::hss::HssClient), in either of the requirement's
// two ways (step 4b):
//  * kZpn:  ask the UE's BSF for a GPI with the PRUK ID in the P-TID field; PRUK = Ks_(ext)_NAF from the BSF.
//  * kPc4a: ask the HSS for an authentication vector and form the GPI here (gba::create_gpi).
// One Diameter connection, reconnected after a failure; calls are serialised.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "prose/hss/client.h"
#include "prose/pkmf/providers.h"

namespace prose::pkmf {

enum class GbaPushMode { kZpn, kPc4a };

struct HssGbaPushConfig {
  hss::ClientConfig diameter;
  GbaPushMode mode = GbaPushMode::kPc4a;
  std::string pkmf_fqdn = "pkmf.prose.test";  // NAF FQDN in NAF_Id
  // IMPI for an IMSI (TS 23.003 13.3): "{imsi}" is replaced by the digits.
  std::string impi_template = "{imsi}@ims.mnc001.mcc001.3gppnetwork.org";
};

std::string impi_for(const std::string& impi_template, const std::string& imsi);

class HssGbaPush final : public GbaPush {
 public:
  explicit HssGbaPush(HssGbaPushConfig config);
  Result<gba::CreatedGpi> push(const std::string& imsi, std::uint64_t pruk_id, std::uint32_t lifetime_s) override;
  Status resync(const std::string& imsi, ByteView rand, ByteView auts) override;

 private:
  Result<hss::HssClient*> client();
  void drop_on_io_error(const Error& e);
  HssGbaPushConfig config_;
  Bytes naf_id_;
  std::mutex mu_;
  std::unique_ptr<hss::HssClient> client_;
};

}  // namespace prose::pkmf
