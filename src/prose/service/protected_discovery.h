// Protected relay discovery for one Relay Service Code as the discovery services use it (docs/agents.md): the PSDK from
// the PKMF (Discovery Key Response), DUIK/DUSK/DUCK derived from it (prose/discovery, A.8), the discovery security
// configuration from the ProSe Function (which of DUSK/DUCK are used, the counter window), when to ask the PKMF
// again, and the send/accept of protected PDUs. Sans-I/O: times are Unix seconds passed in.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>

#include "prose/discovery/messages.h"
#include "prose/discovery/protection.h"
#include "prose/pc8/messages.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::service {

// A PSDK whose expiry is nearer than this is "about to expire" (default of `[discovery] psdk_refresh_before_s`).
inline constexpr std::int64_t kDefaultPsdkRefreshBeforeS = 300;
// After a failed Discovery Key Request, or when the PKMF handed out a PSDK that is already about to expire, the
// agent asks again at most this often (local choice).
inline constexpr std::int64_t kPsdkRetryIntervalS = 10;

struct DiscoverySecuritySettings {
  bool use_dusk = true;  // scrambling (ProSe Function: discovery security configuration)
  bool use_duck = true;  // message-specific confidentiality
  std::uint32_t max_offset = discovery::constants::kDefaultMaxOffset;  // accepted clock difference, s (<= 127)
  std::int64_t refresh_before_s = kDefaultPsdkRefreshBeforeS;
};

// The discovery security configuration the PKMF sent with a PSDK (Discovery Key Response; 24.334 10A). The PKMF
// is authoritative: each member present overrides the ProSe Function's setting for that RSC; all absent = the
// settings apply unchanged.
struct PkmfDiscoveryConfig {
  std::optional<pc8::KeyCombination> keys;   // DUIK always; DUSK / DUCK
  std::optional<Bytes> encrypted_bits_mask;  // 1..23 octets (33.503 A.7)
  std::optional<cipher::Eea> eea;            // confidentiality algorithm (with a DUCK)
  bool empty() const { return !keys && !encrypted_bits_mask && !eea; }
};
// From a PC8 grant. kInvalidArgument for an algorithm that is not EEA 1..3 or a mask that is not 1..23 octets.
Result<PkmfDiscoveryConfig> pkmf_discovery_config(const pc8::DiscoveryKeyGrant& g);

class ProtectedDiscovery {
 public:
  ProtectedDiscovery(std::uint32_t relay_service_code, DiscoverySecuritySettings s);

  // Installs a PSDK from the PKMF: derives the keys, keeps the previous key set for receiving until its PSDK expires
  // (peers may still use it), schedules the next Discovery Key Request. `pkmf` overrides the settings' DUSK/DUCK
  // and sets the mask and the algorithm (the same PSDK with another configuration is a new key set). kInvalidArgument
  // for an empty PSDK or a bad `pkmf` (mask over 23 octets, EEA0); nothing changes then.
  Status install(ByteView psdk, std::optional<std::uint32_t> psdk_id, std::int64_t expiry_unix, std::int64_t now,
                 const PkmfDiscoveryConfig& pkmf = {});
  // A Discovery Key Request failed: try again in kPsdkRetryIntervalS.
  void defer(std::int64_t now);

  // The keys must be fetched (again) before they are used: none yet, expired, or about to expire (at most every
  // kPsdkRetryIntervalS while the PKMF keeps handing out a PSDK that is about to expire, or a request failed).
  bool refresh_due(std::int64_t now) const;
  // Keys present and not expired.
  bool usable(std::int64_t now) const;

  // A protected PDU of `m` (its RSC must be this one's) at the counter of `now`. kState without usable keys.
  Result<Bytes> protect(const discovery::DiscoveryMessage& m, std::int64_t now) const;
  // A received PDU: window, MIC, replay (prose::discovery::Receiver) with the current keys, then the previous
  // ones while they are valid. kState without usable keys; the Receiver's errors otherwise (no state change).
  Result<discovery::DiscoveryMessage> accept(ByteView pdu, std::int64_t now);

  std::uint32_t relay_service_code() const { return rsc_; }
  std::optional<std::uint32_t> psdk_id() const { return psdk_id_; }
  std::int64_t expiry() const { return expiry_; }
  std::int64_t next_refresh() const { return next_refresh_; }
  // What the current keys use (after a successful install).
  bool uses_dusk() const { return keys_ && !keys_->dusk.empty(); }
  bool uses_duck() const { return keys_ && !keys_->duck.empty(); }
  cipher::Eea eea() const { return keys_ ? keys_->eea : discovery::constants::kDefaultConfidentialityEea; }
  Bytes encrypted_bits_mask() const { return keys_ ? keys_->encrypted_bits_mask : Bytes{}; }
  // The current key set (nullptr before the first install), for the PC5 key log.
  const discovery::DiscoveryKeys* keys() const { return keys_ ? &*keys_ : nullptr; }

 private:
  std::uint32_t rsc_;
  DiscoverySecuritySettings settings_;
  std::optional<discovery::DiscoveryKeys> keys_;
  std::unique_ptr<discovery::Receiver> rx_, prev_rx_;
  std::optional<std::uint32_t> psdk_id_;
  std::int64_t expiry_ = 0, prev_expiry_ = 0, next_refresh_ = 0;
};

}  // namespace prose::service
