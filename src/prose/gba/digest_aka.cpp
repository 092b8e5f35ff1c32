#include "prose/gba/digest_aka.h"

#include <openssl/evp.h>

#include <cctype>

#include "prose/gba/base64.h"
#include "prose/util/hex.h"

namespace prose::gba {
namespace {

constexpr std::size_t kRandSize = 16;
constexpr std::size_t kAutnSize = 16;

std::string md5_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_md5(), nullptr);
  return to_hex(ByteView(md, n));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '+' || c == '/' ||
         c == '=' || c == ':' || c == '@';
}

void skip_ws(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string ha1(const DigestCredentials& c, ByteView password) {
  std::string a1 = c.username + ":" + c.realm + ":";
  a1.append(reinterpret_cast<const char*>(password.data()), password.size());
  return md5_hex(a1);
}

std::string request_digest(const DigestCredentials& c, ByteView password, std::string_view method,
                           std::string_view body) {
  std::string a2 = std::string(method) + ":" + c.uri;
  if (c.qop == kQopAuthInt) a2 += ":" + md5_hex(body);
  const std::string h1 = ha1(c, password);
  const std::string h2 = md5_hex(a2);
  if (c.qop.empty()) return md5_hex(h1 + ":" + c.nonce + ":" + h2);
  return md5_hex(h1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + h2);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_digest(std::string_view s) {
  std::size_t i = 0;
  skip_ws(s, i);
  if (s.size() < i + 6 || lower(s.substr(i, 6)) != "digest" || (s.size() > i + 6 && s[i + 6] != ' '))
    return fail(Errc::kMalformed, "Digest: the scheme is not \"Digest\"");
  i += 6;
  std::map<std::string, std::string> out;
  while (true) {
    skip_ws(s, i);
    if (i >= s.size()) break;
    const std::size_t name_start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) != 0 || s[i] == '-' || s[i] == '_')) ++i;
    if (i == name_start)
      return fail(Errc::kMalformed, "Digest: parameter name expected at offset " + std::to_string(i));
    std::string name = lower(s.substr(name_start, i - name_start));
    skip_ws(s, i);
    if (i >= s.size() || s[i] != '=') return fail(Errc::kMalformed, "Digest: '=' expected after " + name);
    ++i;
    skip_ws(s, i);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '\\' && i < s.size()) {
          value += s[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return fail(Errc::kMalformed, "Digest: unterminated quoted value of " + name);
    } else {
      while (i < s.size() && token_char(s[i])) value += s[i++];
    }
    if (!out.emplace(name, value).second) return fail(Errc::kMalformed, "Digest: parameter " + name + " given twice");
    skip_ws(s, i);
    if (i >= s.size()) break;
    if (s[i] != ',') return fail(Errc::kMalformed, "Digest: ',' expected at offset " + std::to_string(i));
    ++i;
  }
  return out;
}

std::string format_challenge(const DigestChallenge& c) {
  std::string out = "Digest realm=" + quoted(c.realm) + ", nonce=" + quoted(c.nonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty()) out += ", qop=" + quoted(c.qop);
  return out;
}

Result<DigestChallenge> parse_challenge(std::string_view header_value) {
  PROSE_TRY(auto p, parse_digest(header_value));
  DigestChallenge c;
  if (!p.contains("realm") || !p.contains("nonce"))
    return fail(Errc::kMalformed, "Digest challenge without realm or nonce");
  c.realm = p["realm"];
  c.nonce = p["nonce"];
  c.opaque = p["opaque"];
  c.qop = p["qop"];
  c.algorithm = p.contains("algorithm") ? p["algorithm"] : std::string("MD5");
  if (c.algorithm != kAkaAlgorithm)
    return fail(Errc::kUnsupported, "Digest algorithm " + c.algorithm + " is not AKAv1-MD5");
  return c;
}

std::string format_credentials(const DigestCredentials& c) {
  std::string out = "Digest username=" + quoted(c.username) + ", realm=" + quoted(c.realm) +
                    ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(c.uri) + ", response=" + quoted(c.response);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty()) out += ", qop=" + c.qop + ", nc=" + c.nc + ", cnonce=" + quoted(c.cnonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  if (c.auts) out += ", auts=" + quoted(*c.auts);
  return out;
}

Result<DigestCredentials> parse_credentials(std::string_view header_value) {
  PROSE_TRY(auto p, parse_digest(header_value));
  DigestCredentials c;
  if (p["username"].empty()) return fail(Errc::kMalformed, "Digest credentials without username (the IMPI)");
  c.username = p["username"];
  c.realm = p["realm"];
  c.nonce = p["nonce"];
  c.uri = p["uri"];
  c.response = lower(p["response"]);
  c.qop = p["qop"];
  c.nc = p["nc"];
  c.cnonce = p["cnonce"];
  c.opaque = p["opaque"];
  c.algorithm = p["algorithm"];
  if (p.contains("auts")) c.auts = p["auts"];
  return c;
}

std::string digest_response(const DigestCredentials& c, ByteView password, std::string_view method,
                            std::string_view body) {
  return request_digest(c, password, method, body);
}

std::string digest_rspauth(const DigestCredentials& c, ByteView password, std::string_view response_body) {
  return request_digest(c, password, "", response_body);
}

Result<AkaNonce> parse_aka_nonce(std::string_view nonce) {
  PROSE_TRY(Bytes raw, base64_decode(nonce));
  if (raw.size() < kRandSize + kAutnSize) return fail(Errc::kMalformed, "AKA nonce shorter than RAND || AUTN");
  AkaNonce n;
  n.rand.assign(raw.begin(), raw.begin() + kRandSize);
  n.autn.assign(raw.begin() + kRandSize, raw.begin() + kRandSize + kAutnSize);
  return n;
}

std::string make_aka_nonce(ByteView rand, ByteView autn) { return base64_encode(concat({rand, autn})); }

}  // namespace prose::gba
