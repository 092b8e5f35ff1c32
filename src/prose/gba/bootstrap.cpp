#include "prose/gba/bootstrap.h"

#include <libxml/tree.h>

#include <cstdio>
#include <ctime>

#include "prose/gba/base64.h"
#include "prose/keys/prose_keys.h"
#include "prose/xml/parse.h"

namespace prose::gba {

Result<std::string> make_btid(ByteView rand, std::string_view bsf_host) {
  if (bsf_host.empty()) return fail(Errc::kInvalidArgument, "B-TID: the BSF host name must not be empty");
  if (rand.empty()) return fail(Errc::kInvalidArgument, "B-TID: RAND must not be empty");
  return base64_encode(rand) + "@" + std::string(bsf_host);
}

Result<SecretBytes> BootstrapSession::ks_naf(ByteView naf_id) const {
  if (ks.size() != 32) return fail(Errc::kInternal, "Ks must be CK || IK (32 octets)");
  return keys::derive_ks_ext_naf(ks.view().first(16), ks.view().subspan(16), rand, impi, naf_id);
}

void BootstrapSessions::purge(std::int64_t now) {
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
}

Status BootstrapSessions::put(BootstrapSession s, std::int64_t now) {
  std::lock_guard lock(mu_);
  purge(now);
  if (sessions_.size() >= max_ && !sessions_.contains(s.btid))
    return fail(Errc::kState, "bootstrapping session table full (" + std::to_string(max_) + " live sessions)");
  std::string key = s.btid;
  sessions_.insert_or_assign(std::move(key), std::move(s));
  return {};
}

Result<BootstrapSession> BootstrapSessions::find(std::string_view btid, std::int64_t now) {
  std::lock_guard lock(mu_);
  purge(now);
  auto it = sessions_.find(btid);
  if (it == sessions_.end()) return fail(Errc::kNotFound, "unknown or expired B-TID");
  return it->second.clone();
}

std::size_t BootstrapSessions::size(std::int64_t now) {
  std::lock_guard lock(mu_);
  purge(now);
  return sessions_.size();
}

std::string format_utc(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::int64_t> parse_utc(std::string_view text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  std::string str(text);
  if (str.size() != 20 || std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return fail(Errc::kMalformed, "lifetime: not a UTC dateTime (YYYY-MM-DDThh:mm:ssZ)");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const auto t = static_cast<std::int64_t>(timegm(&tm));
  // Only the canonical form is a lifetime: no day 31 of a 30-day month, no leap second, no year before 1000 (which
  // format_utc could not write back), no sign or space in a field.
  if (format_utc(t) != text) return fail(Errc::kMalformed, "lifetime: not a valid UTC date and time: " + str);
  return t;
}

std::string encode_bootstrapping_info(const BootstrappingInfo& info) {
  std::string btid;  // escaped: the B-TID's host part comes from configuration
  for (char c : info.btid) {
    if (c == '<')
      btid += "&lt;";
    else if (c == '&')
      btid += "&amp;";
    else if (c == '>')
      btid += "&gt;";
    else
      btid += c;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BootstrappingInfo xmlns=\"" + std::string(kBsfXmlNamespace) +
         "\">\n  <btid>" + btid + "</btid>\n  <lifetime>" + format_utc(info.lifetime) +
         "</lifetime>\n</BootstrappingInfo>\n";
}

Result<BootstrappingInfo> decode_bootstrapping_info(std::string_view text) {
  PROSE_TRY(xml::Parsed parsed, xml::parse(text));
  const xmlNode* root = xmlDocGetRootElement(parsed.doc.get());
  auto in_ns = [](const xmlNode* n) {
    return n->ns != nullptr && n->ns->href != nullptr &&
           std::string_view(reinterpret_cast<const char*>(n->ns->href)) == kBsfXmlNamespace;
  };
  if (root == nullptr || std::string_view(reinterpret_cast<const char*>(root->name)) != "BootstrappingInfo" ||
      !in_ns(root))
    return fail(Errc::kMalformed, "Ub response: root element is not {uri:3gpp-gba}BootstrappingInfo");
  std::optional<std::string> btid, lifetime;
  for (const xmlNode* n = root->children; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || !in_ns(n)) continue;
    const std::string_view name(reinterpret_cast<const char*>(n->name));
    std::optional<std::string>* slot = name == "btid" ? &btid : name == "lifetime" ? &lifetime : nullptr;
    if (slot == nullptr) continue;  // extension elements (TS 24.109 annex C: xs:any) are ignored
    if (slot->has_value()) return fail(Errc::kMalformed, "Ub response: <" + std::string(name) + "> repeated");
    xmlChar* content = xmlNodeGetContent(n);
    *slot = content == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(content));
    xmlFree(content);
  }
  if (!btid || btid->empty()) return fail(Errc::kMalformed, "Ub response: no <btid>");
  if (!lifetime) return fail(Errc::kMalformed, "Ub response: no <lifetime>");
  PROSE_TRY(std::int64_t expiry, parse_utc(*lifetime));
  return BootstrappingInfo{*btid, expiry};
}

}  // namespace prose::gba
