// HTTP Digest AKA (RFC 3310, algorithm AKAv1-MD5, on RFC 2617 Digest) as GBA bootstrapping over Ub uses it
// (TS 33.220 4.5.2, TS 24.109 4.4). Sans I/O: header values in, header values out.
//  * nonce = base64(RAND || AUTN) (RFC 3310 3.2); the password is RES as raw octets (AKAv1, RFC 3310 3.3).
//  * qop "auth-int" (TS 24.109 4.4.2): HA2 = MD5(method ":" uri ":" MD5(body)).
//  * A synchronisation failure (RFC 3310 3.4): the client adds auts = base64(AUTS) and computes the response with
//    an empty password; the BSF relies on MAC-S inside AUTS, checked by the HSS, not on that response.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::gba {

inline constexpr std::string_view kAkaAlgorithm = "AKAv1-MD5";  // RFC 3310 3.1
inline constexpr std::string_view kQopAuthInt = "auth-int";     // TS 24.109 4.4.2

// The parameters of a "Digest k=v, k="v"" header value; names lower-cased. kMalformed for anything else, or a
// parameter given twice.
Result<std::map<std::string, std::string>> parse_digest(std::string_view header_value);

struct DigestChallenge {  // WWW-Authenticate
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string qop = std::string(kQopAuthInt);
  std::string algorithm = std::string(kAkaAlgorithm);
};
std::string format_challenge(const DigestChallenge& c);
// kMalformed without realm or nonce; kUnsupported for another algorithm.
Result<DigestChallenge> parse_challenge(std::string_view header_value);

struct DigestCredentials {  // Authorization
  std::string username;     // the IMPI
  std::string realm;
  std::string nonce;
  std::string uri = "/";
  std::string response;  // 32 lower-case hex digits, empty in the first request
  std::string qop;       // empty: no qop (RFC 2069 compatibility, refused by the BSF)
  std::string nc;        // 8 hex digits
  std::string cnonce;
  std::string opaque;
  std::string algorithm = std::string(kAkaAlgorithm);
  std::optional<std::string> auts;  // base64(AUTS), synchronisation failure only
};
std::string format_credentials(const DigestCredentials& c);
// kMalformed without username (the IMPI) or with a malformed parameter.
Result<DigestCredentials> parse_credentials(std::string_view header_value);

// RFC 2617 3.2.2.1 request-digest for `c` with `password` (RES octets), the request method and entity body.
std::string digest_response(const DigestCredentials& c, ByteView password, std::string_view method,
                            std::string_view body);
// RFC 2617 3.2.3 rspauth of the server's Authentication-Info: as the response but with an empty method and the
// server's entity body.
std::string digest_rspauth(const DigestCredentials& c, ByteView password, std::string_view response_body);

// nonce = base64(RAND || AUTN); kMalformed when it does not decode to at least 32 octets (RFC 3310 3.2 allows
// server data after AUTN).
struct AkaNonce {
  Bytes rand;
  Bytes autn;
};
Result<AkaNonce> parse_aka_nonce(std::string_view nonce);
std::string make_aka_nonce(ByteView rand, ByteView autn);

}  // namespace prose::gba
