// libFuzzer target for what arrives over Ub (prose/gba/digest_aka.h, ub_client.h, bootstrap.h): the first octet
// chooses the parser, the rest is the header value or body.
//  0: a BSF's WWW-Authenticate, parsed and answered with a USIM (the UE side): whatever parses re-formats to a value
//     that parses to the same challenge; an answer never both accepts AUTN and reports a synchronisation failure.
//  1: a UE's Authorization (the BSF side): whatever parses re-formats to the same credentials when its unquoted
//     parameters are tokens (what format_credentials writes unquoted).
//  2: an Authentication-Info after a fixed, valid challenge: a forged rspauth is never accepted.
//  3: a 200's application/vnd.3gpp.bsf+xml body: whatever decodes re-encodes and decodes to the same B-TID and
//  lifetime.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/gba/bootstrap.h"
#include "prose/gba/digest_aka.h"
#include "prose/gba/ub_client.h"

namespace {
const std::uint8_t kK[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                             0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
const std::uint8_t kOpc[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                               0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
constexpr std::string_view kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";

bool is_token(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '+' ||
          c == '/' || c == '=' || c == ':' || c == '@'))
      return false;
  }
  return true;
}

prose::crypto::Usim usim() {
  auto u = prose::crypto::Usim::create(prose::ByteView(kK, 16), prose::ByteView(kOpc, 16));
  if (!u.ok()) std::abort();
  return std::move(*u);
}

void challenge(std::string_view in) {
  auto c = prose::gba::parse_challenge(in);
  if (c.ok()) {
    auto again = prose::gba::parse_challenge(prose::gba::format_challenge(*c));
    if (!again.ok() || again->realm != c->realm || again->nonce != c->nonce || again->opaque != c->opaque ||
        again->qop != c->qop || again->algorithm != c->algorithm)
      std::abort();
  }
  auto u = usim();
  auto a = prose::gba::answer_challenge(u, kImpi, in);
  if (a.ok() && a->res.has_value() == a->credentials.auts.has_value()) std::abort();
}

void credentials(std::string_view in) {
  auto c = prose::gba::parse_credentials(in);
  if (!c.ok()) return;
  if (!c->algorithm.empty() && !is_token(c->algorithm)) return;
  if (!c->qop.empty() && (!is_token(c->qop) || !is_token(c->nc))) return;
  auto again = prose::gba::parse_credentials(prose::gba::format_credentials(*c));
  if (!again.ok() || again->username != c->username || again->realm != c->realm || again->nonce != c->nonce ||
      again->uri != c->uri || again->response != c->response || again->algorithm != c->algorithm ||
      again->opaque != c->opaque || again->auts != c->auts ||
      (!c->qop.empty() && (again->qop != c->qop || again->nc != c->nc || again->cnonce != c->cnonce)))
    std::abort();
}

void authentication_info(std::string_view in) {
  // A challenge the USIM accepts: an authentication vector for SQN 32 (a fresh USIM accepts it).
  static const std::string kChallenge = [] {
    auto av = prose::crypto::make_auth_vector(prose::ByteView(kK, 16), prose::ByteView(kOpc, 16),
                                              prose::Bytes(16, 0x23), 32, prose::Bytes{0x80, 0x00});
    if (!av.ok()) std::abort();
    return prose::gba::format_challenge({"bsf.example.org", prose::gba::make_aka_nonce(av->rand, av->autn)});
  }();
  auto u = usim();
  auto a = prose::gba::answer_challenge(u, kImpi, kChallenge);
  if (!a.ok() || !a->res) std::abort();  // a fresh USIM accepts SQN 32
  auto body_at = in.find('\n');
  std::string_view info = in.substr(0, body_at);
  std::string_view body = body_at == std::string_view::npos ? std::string_view() : in.substr(body_at + 1);
  if (prose::gba::check_rspauth(*a, info, body).ok()) {
    // Accepted only when the rspauth in `info` is the one the USIM's RES gives for this body.
    auto p = prose::gba::parse_digest(info);
    std::string expected = prose::gba::digest_rspauth(a->credentials, *a->res, body);
    if (!p.ok() || (*p)["rspauth"] != expected) std::abort();
  }
}

void bootstrapping_info(std::string_view in) {
  auto d = prose::gba::decode_bootstrapping_info(in);
  if (!d.ok()) return;
  auto again = prose::gba::decode_bootstrapping_info(prose::gba::encode_bootstrapping_info(*d));
  if (!again.ok() || again->btid != d->btid || again->lifetime != d->lifetime) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      challenge(in);
      break;
    case 1:
      credentials(in);
      break;
    case 2:
      authentication_info(in);
      break;
    default:
      bootstrapping_info(in);
      break;
  }
  return 0;
}
