// The UE side of Ub (TS 24.109 4.4), sans I/O: the Authorization header values of a bootstrapping run with an
// (emulated) USIM. The transport (HTTP GET) is the caller's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/gba/digest_aka.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::gba {

// First request: username = IMPI, realm = BSF host, empty nonce and response (TS 24.109 4.4.2).
std::string initial_authorization(std::string_view impi, std::string_view realm, std::string_view uri = "/");

struct UbAnswer {
  std::string authorization;  // the next request's Authorization value
  DigestCredentials credentials;
  // Set when the USIM accepted AUTN (the 200 then carries the B-TID); unset on a synchronisation failure (the
  // Authorization carries auts and the BSF answers with a fresh challenge).
  std::optional<Bytes> rand;
  std::optional<Bytes> res;
  std::optional<SecretBytes> ks;  // CK || IK
};
// Answers a WWW-Authenticate challenge. Errors: the challenge's (kMalformed/kUnsupported), AUTN MAC failure
// (kAuthFailed: not our network; nothing is sent back).
Result<UbAnswer> answer_challenge(crypto::Usim& usim, std::string_view impi, std::string_view www_authenticate,
                                  std::string_view method = "GET", std::string_view uri = "/");
// Checks the rspauth of the 200's Authentication-Info against the body (mutual authentication, RFC 2617 3.2.3).
// kAuthFailed on a mismatch, kMalformed without rspauth.
Status check_rspauth(const UbAnswer& answer, std::string_view authentication_info, std::string_view body);

}  // namespace prose::gba
