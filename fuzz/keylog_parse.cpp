// libFuzzer target: the PC5 key log parser (prose::keylog, read by the Wireshark plugin from a user's file).
// Input: the text of a key log. Checks beyond "no crash": every line parse_line accepts formats back to a line
// that parses to the same keys, parse() keeps exactly the lines parse_line accepts (once each) and names every
// other non-empty, non-comment line in `errors`.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "prose/keylog/keylog.h"

namespace {

using namespace prose;

bool same(const keylog::LinkKeys& a, const keylog::LinkKeys& b) {
  return a.remote_ue_l2 == b.remote_ue_l2 && a.relay_l2 == b.relay_l2 && a.kd_sess_id == b.kd_sess_id &&
         a.eea == b.eea && a.eia == b.eia && a.pek == b.pek && a.pik == b.pik;
}

bool same(const keylog::DiscoveryKeys& a, const keylog::DiscoveryKeys& b) {
  return a.relay_service_code == b.relay_service_code && a.eea == b.eea && a.duik == b.duik && a.dusk == b.dusk &&
         a.duck == b.duck && a.encrypted_bits_mask == b.encrypted_bits_mask;
}

template <typename Keys>
void round_trip(const Keys& k) {
  auto line = keylog::format(k);
  if (!line.ok()) std::abort();  // a parsed line holds only values format accepts
  auto again = keylog::parse_line(*line);
  if (!again.ok() || !std::holds_alternative<Keys>(*again) || !same(std::get<Keys>(*again), k)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t accepted = 0, refused = 0;
  for (std::size_t at = 0; at <= text.size();) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    auto e = keylog::parse_line(text.substr(at, nl - at));
    if (!e.ok()) {
      if (e.error().message.empty()) std::abort();  // every refusal says why
      ++refused;
    } else if (const auto* l = std::get_if<keylog::LinkKeys>(&*e)) {
      round_trip(*l);
      ++accepted;
    } else if (const auto* d = std::get_if<keylog::DiscoveryKeys>(&*e)) {
      round_trip(*d);
      ++accepted;
    }
    at = nl + 1;
  }
  auto file = keylog::parse(text);
  if (file.links.size() + file.discovery.size() > accepted) std::abort();  // duplicates are kept once, never more
  if (file.errors.size() != refused) std::abort();                          // every refused line is named
  return 0;
}
