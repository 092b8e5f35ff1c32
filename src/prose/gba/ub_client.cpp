#include "prose/gba/ub_client.h"

#include "prose/gba/base64.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::gba {

std::string initial_authorization(std::string_view impi, std::string_view realm, std::string_view uri) {
  DigestCredentials c;
  c.username = std::string(impi);
  c.realm = std::string(realm);
  c.uri = std::string(uri);
  c.algorithm.clear();
  return format_credentials(c);
}

Result<UbAnswer> answer_challenge(crypto::Usim& usim, std::string_view impi, std::string_view www_authenticate,
                                  std::string_view method, std::string_view uri) {
  PROSE_TRY(DigestChallenge ch, parse_challenge(www_authenticate));
  PROSE_TRY(AkaNonce n, parse_aka_nonce(ch.nonce));
  PROSE_TRY(crypto::Usim::AuthResult auth, usim.authenticate(n.rand, n.autn));
  UbAnswer out;
  DigestCredentials& c = out.credentials;
  c.username = std::string(impi);
  c.realm = ch.realm;
  c.nonce = ch.nonce;
  c.uri = std::string(uri);
  c.opaque = ch.opaque;
  c.qop = ch.qop.empty() ? std::string() : std::string(kQopAuthInt);
  c.nc = "00000001";
  c.cnonce = base64_encode(random_bytes(12));
  if (auth.sync_failure) {
    c.auts = base64_encode(auth.sync_failure->auts);
    c.response = digest_response(c, {}, method, "");  // RFC 3310 3.4: empty password
  } else {
    const auto& a = *auth.accepted;
    c.response = digest_response(c, a.res, method, "");
    out.rand = n.rand;
    out.res = a.res;
    out.ks = SecretBytes(concat({a.ck.view(), a.ik.view()}));
  }
  out.authorization = format_credentials(c);
  return out;
}

Status check_rspauth(const UbAnswer& answer, std::string_view authentication_info, std::string_view body) {
  if (!answer.res) return fail(Errc::kState, "no RES: the challenge was not accepted");
  PROSE_TRY(auto p, parse_digest("Digest " + std::string(authentication_info)));
  if (!p.contains("rspauth")) return fail(Errc::kMalformed, "Authentication-Info without rspauth");
  if (p["rspauth"] != digest_rspauth(answer.credentials, *answer.res, body))
    return fail(Errc::kAuthFailed, "rspauth does not match: the BSF does not know RES");
  return {};
}

}  // namespace prose::gba
