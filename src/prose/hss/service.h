// The HSS/BSF request handler, sans I/O: octets from a peer in, octets to send back out.
//
//  * Base protocol (RFC 6733): CER/CEA must come first on a connection; DWR/DWA; DPR/DPA then close.
//  * Zh-style AV retrieval (TS 29.109 4.2 / TS 29.229 6.1.7): MAR/MAA, application 16777221. The answer carries
//    SIP-Auth-Data-Item { SIP-Authenticate = RAND || AUTN, SIP-Authorization = XRES, Confidentiality-Key,
//    Integrity-Key }. A MAR whose SIP-Auth-Data-Item carries SIP-Authorization = RAND || AUTS (30 octets) first
//    resynchronises the SQN (TS 33.102 6.3.5), then returns a fresh vector.
//  * Zpn GBA Push (TS 29.109 5.4): GPR/GPA (command 312), application 16777268. Request: UE-Id (IMPI), NAF-Id,
//    optional User-Name (IMSI), NAF-SA-Identifier (requested P-TID = PRUK ID), Requested-Key-Lifetime. Answer:
//    GBA-Push-Info (the GPI), ME-Key-Material (Ks_(ext)_NAF), Key-ExpiryTime, NAF-SA-Identifier (P-TID).
//  * Errors: unknown user -> Experimental-Result 5001 (MAR) / 5401 (GPR), NAF not authorised -> 5402, protocol
//    errors -> Result-Code 3xxx with the E flag; grammar faults (grammar.h) -> 5001/5005/5009 with Failed-AVP;
//    malformed AVPs -> 5014/3009 with Failed-AVP; invalid values -> 5004 with Failed-AVP.
//  * Duplicate detection (RFC 6733 3, Appendix C): an MAR/GPR whose Origin-Host and End-to-End Identifier were seen in
//  the
//    last 240 s gets the cached answer and changes nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "prose/crypto/milenage.h"
#include "prose/diameter/grammar.h"
#include "prose/diameter/message.h"
#include "prose/gba/bootstrap.h"
#include "prose/hss/config.h"
#include "prose/hss/store.h"

namespace prose::hss {

// Shared by every connection; thread-safe (the store serialises database access).
class HssService {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix seconds; injectable for tests
  HssService(HssConfig config, SubscriberStore& store, Clock clock = {});

  // Application requests (MAR, GPR) and unknown commands; `log` receives one line per request (no key material).
  diameter::Message handle_request(const diameter::Message& req, std::string& log);
  // The CEA for a CER: 2001; 5001/5005/5009 for a CER that breaks RFC 6733 5.3.1; 5017 when the peer insists on
  // TLS; 5010 when no application is shared. `host_ip` is the local address of the connection (Host-IP-Address).
  diameter::Message handle_cer(const diameter::Message& cer, const std::string& host_ip, bool& accepted);
  diameter::Message make_answer(const diameter::Message& req) const;  // header + Session-Id
  // Result-Code answer (E flag for 3xxx; Vendor-Specific-Application-Id and Auth-Session-State for Zh/Zpn
  // permanent failures), optional Error-Message and Failed-AVP.
  diameter::Message error_answer(const diameter::Message& req, std::uint32_t result_code, const std::string& msg,
                                 const diameter::Avp* failed = nullptr) const;
  // The error answer for the first grammar violation of `req`, or std::nullopt.
  std::optional<diameter::Message> check(const diameter::Message& req, std::span<const diameter::AvpRule> rules) const;
  const HssConfig& config() const { return config_; }
  // Zn (zn_handler.cpp): BIR is served from this table of Ub bootstrapping sessions; without one BIR gets 3001.
  void attach_bootstrap_sessions(gba::BootstrapSessions* sessions) { sessions_ = sessions; }

 private:
  // The subscriber's next authentication vector (SQN allocated with IND, fresh RAND); `sqn` gets the SQN used.
  // kNotFound for an unknown IMSI.
  Result<crypto::AuthVector> next_vector(const std::string& imsi, crypto::Sqn& sqn);
  diameter::Message handle_mar(const diameter::Message& req, std::string& log);
  diameter::Message handle_gpr(const diameter::Message& req, std::string& log);
  diameter::Message handle_bir(const diameter::Message& req, std::string& log);  // zn_handler.cpp
  diameter::Message experimental_error(const diameter::Message& req, std::uint32_t code, const std::string& msg) const;
  diameter::Message cea(const diameter::Message& cer, std::uint32_t result, const std::string& host_ip,
                        const std::string& msg, const diameter::Avp* failed = nullptr) const;

  static constexpr std::size_t kDuplicateCacheSize = 65536;
  HssConfig config_;
  SubscriberStore& store_;
  Clock clock_;
  gba::BootstrapSessions* sessions_ = nullptr;
  std::mutex dup_mu_;
  std::map<std::string, diameter::Message> dup_cache_;          // "Origin-Host#End-to-End" -> answer
  std::deque<std::pair<std::int64_t, std::string>> dup_order_;  // (expiry, key), oldest first
};

// One Diameter connection (server side). `local_address` is the connection's own IP address, sent as
// Host-IP-Address in the CEA.
class PeerSession {
 public:
  PeerSession(HssService& service, std::string local_address);
  struct Output {
    Bytes to_send;
    bool close = false;
    std::vector<std::string> log;
  };
  Output on_bytes(ByteView data);
  // Requests this side originates once the connection is open (empty before CER/CEA or after close): the
  // watchdog (RFC 3539 3.4) and the orderly disconnect (RFC 6733 5.4; the DPA then closes the session).
  Bytes make_dwr();
  Bytes make_dpr(std::uint32_t cause);
  bool open() const { return open_; }
  const std::string& peer_host() const { return peer_host_; }

 private:
  void handle_message(ByteView raw, Output& out);
  diameter::Message own_request(std::uint32_t command);
  HssService& service_;
  std::string local_address_;
  Bytes buf_;
  bool open_ = false;  // CER/CEA done
  bool closed_ = false;
  std::string peer_host_;
  std::uint32_t next_hbh_;
  std::optional<std::uint32_t> dpr_hbh_;
};

}  // namespace prose::hss
