// The BSF's Ub reference point (TS 24.109 4.4, TS 33.220 4.5.2), sans I/O: HTTP Digest AKA (RFC 3310, AKAv1-MD5)
// over HTTP GET.
//  1. GET with Authorization: Digest username=<IMPI> (empty response) -> 401 with WWW-Authenticate: a fresh
//     vector from the subscriber store (the same vectors Zh serves), nonce = base64(RAND || AUTN), qop auth-int.
//  2. GET answering that nonce with RES as the password -> 200 with a <BootstrappingInfo> body (B-TID, key
//     lifetime), Authentication-Info with rspauth; the session (B-TID, IMPI, RAND, CK || IK) is stored until the
//     lifetime ends and served to NAFs over Zn (zn_handler.h).
//     A wrong response -> 403 and the challenge is gone (a new bootstrap starts at step 1).
//  3. GET answering the nonce with auts=base64(AUTS) (USIM SQN failure) -> the store resynchronises SQN (MAC-S
//     checked, 403 when it fails), then a new 401 challenge with a fresh vector.
// Errors: no or malformed Authorization, an IMPI not of the form <IMSI>@... -> 400; unknown subscriber -> 403;
// unknown or expired nonce -> a new 401 challenge (stale=true); store failures -> 500.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "prose/gba/bootstrap.h"
#include "prose/hss/store.h"
#include "prose/net/http.h"

namespace prose::hss {

struct UbConfig {
  std::string bsf_host = "bsf.prose.lab";  // realm, and the host part of every B-TID
  std::uint32_t key_lifetime = 3600;       // seconds: bootstrapping session (Ks) lifetime
  std::uint32_t challenge_lifetime = 60;   // seconds a 401 nonce may be answered
  std::size_t max_pending = 10000;         // outstanding challenges
};

class UbService {
 public:
  UbService(UbConfig config, SubscriberStore& store, gba::BootstrapSessions& sessions);
  // `log` gets one line (no key material).
  net::HttpResponse handle(const net::HttpRequest& req, std::int64_t now, std::string& log);
  const UbConfig& config() const { return config_; }

 private:
  struct Pending {
    std::string impi;
    Bytes rand;
    Bytes xres;
    SecretBytes ks;  // CK || IK
    std::int64_t expires = 0;
  };
  net::HttpResponse challenge(const std::string& impi, std::int64_t now, bool stale, std::string& log);

  UbConfig config_;
  SubscriberStore& store_;
  gba::BootstrapSessions& sessions_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // nonce -> challenge
};

// The IMSI of an IMPI "<IMSI>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org" (TS 23.003 13.3); kInvalidArgument otherwise.
Result<std::string> imsi_of_impi(std::string_view impi);

}  // namespace prose::hss
