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
//    errors -> Result-Code 3xxx with the E flag, missing/invalid AVPs -> 5005/5004 with Failed-AVP.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "prose/crypto/milenage.h"
#include "prose/diameter/message.h"
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
  // The CEA for a CER (Result-Code 2001, or 5010 when no application is shared).
  diameter::Message handle_cer(const diameter::Message& cer, bool& accepted);
  diameter::Message make_answer(const diameter::Message& req) const;  // header + Session-Id
  // Result-Code answer (E flag for 3xxx), optional Error-Message and Failed-AVP.
  diameter::Message error_answer(const diameter::Message& req, std::uint32_t result_code, const std::string& msg,
                                 const diameter::Avp* failed = nullptr) const;
  const HssConfig& config() const { return config_; }

 private:
  // The subscriber's next authentication vector (SQN allocated with IND, fresh RAND); `sqn` gets the SQN used.
  // kNotFound for an unknown IMSI.
  Result<crypto::AuthVector> next_vector(const std::string& imsi, crypto::Sqn& sqn);
  diameter::Message handle_mar(const diameter::Message& req, std::string& log);
  diameter::Message handle_gpr(const diameter::Message& req, std::string& log);
  diameter::Message experimental_error(const diameter::Message& req, std::uint32_t code, const std::string& msg) const;

  HssConfig config_;
  SubscriberStore& store_;
  Clock clock_;
};

// One Diameter connection (server side).
class PeerSession {
 public:
  explicit PeerSession(HssService& service) : service_(service) {}
  struct Output {
    Bytes to_send;
    bool close = false;
    std::vector<std::string> log;
  };
  Output on_bytes(ByteView data);
  bool open() const { return open_; }
  const std::string& peer_host() const { return peer_host_; }

 private:
  void handle_message(ByteView raw, Output& out);
  HssService& service_;
  Bytes buf_;
  bool open_ = false;  // CER/CEA done
  bool closed_ = false;
  std::string peer_host_;
};

// NTP time (RFC 5905, seconds since 1900) as used by the Diameter Time type (RFC 6733 4.3.1).
std::uint32_t unix_to_ntp(std::int64_t unix_seconds);
std::int64_t ntp_to_unix(std::uint32_t ntp);

}  // namespace prose::hss
