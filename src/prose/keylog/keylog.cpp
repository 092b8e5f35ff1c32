#include "prose/keylog/keylog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "prose/util/hex.h"

namespace prose::keylog {
namespace {

constexpr std::uint32_t kMaxL2Id = 0xffffff;
constexpr std::uint32_t kMaxRsc = 0xffffff;
constexpr std::uint8_t kMaxAlgorithm = 3;

std::string hex_n(std::uint32_t v, int digits) {
  char b[16];
  std::snprintf(b, sizeof b, "%0*x", digits, v);
  return b;
}

std::string key_or_dash(const SecretBytes& k) { return k.empty() ? "-" : k.reveal_hex(); }

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

Result<std::uint32_t> hex_field(std::string_view v, std::size_t digits, std::uint32_t max, std::string_view what) {
  if (v.size() != digits)
    return fail(Errc::kMalformed, std::string(what) + ": " + std::to_string(digits) + " hex digits");
  std::uint32_t x = 0;
  for (char c : v) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return fail(Errc::kMalformed, std::string(what) + ": not hex");
    x = x << 4 | static_cast<std::uint32_t>(d);
  }
  if (x > max) return fail(Errc::kMalformed, std::string(what) + ": out of range");
  return x;
}

Result<std::uint8_t> algorithm(std::string_view v, std::string_view what) {
  if (v.size() != 1 || v[0] < '0' || v[0] > '0' + kMaxAlgorithm)
    return fail(Errc::kMalformed, std::string(what) + ": must be 0..3");
  return static_cast<std::uint8_t>(v[0] - '0');
}

Result<SecretBytes> key(std::string_view v, std::size_t size, bool optional, std::string_view what) {
  if (optional && v == "-") return SecretBytes{};
  auto b = from_hex_exact(v, size, what);
  if (!b.ok())
    return fail(Errc::kMalformed,
                std::string(what) + ": " + std::to_string(2 * size) + " hex digits" + (optional ? " or -" : ""));
  return SecretBytes::adopt(*b);
}

Status check_key(const SecretBytes& k, std::size_t size, bool optional, std::string_view what) {
  if ((optional && k.empty()) || k.size() == size) return ok_status();
  return fail(Errc::kInvalidArgument, std::string(what) + " must be " + std::to_string(size) + " octets");
}

}  // namespace

Result<std::string> format(const LinkKeys& k) {
  if (k.remote_ue_l2.value > kMaxL2Id || k.relay_l2.value > kMaxL2Id)
    return fail(Errc::kInvalidArgument, "L2 ID above 24 bits");
  if (k.kd_sess_id.is_unprotected()) return fail(Errc::kInvalidArgument, "KD-sess ID 0 has no keys");
  if (k.eea > kMaxAlgorithm || k.eia > kMaxAlgorithm) return fail(Errc::kInvalidArgument, "algorithm above 3");
  PROSE_TRY_STATUS(check_key(k.pek, kKeySize, false, "PEK"));
  PROSE_TRY_STATUS(check_key(k.pik, kKeySize, false, "PIK"));
  return std::string(kLinkLabel) + " " + hex_n(k.remote_ue_l2.value, 6) + " " + hex_n(k.relay_l2.value, 6) + " " +
         hex_n(k.kd_sess_id.value, 4) + " " + std::to_string(k.eea) + " " + std::to_string(k.eia) + " " +
         k.pek.reveal_hex() + " " + k.pik.reveal_hex();
}

Result<std::string> format(const DiscoveryKeys& k) {
  if (k.relay_service_code.value > kMaxRsc) return fail(Errc::kInvalidArgument, "Relay Service Code above 24 bits");
  if (k.eea > kMaxAlgorithm) return fail(Errc::kInvalidArgument, "algorithm above 3");
  PROSE_TRY_STATUS(check_key(k.duik, kDiscoveryKeySize, false, "DUIK"));
  PROSE_TRY_STATUS(check_key(k.dusk, kDiscoveryKeySize, true, "DUSK"));
  PROSE_TRY_STATUS(check_key(k.duck, kDiscoveryKeySize, true, "DUCK"));
  if (k.encrypted_bits_mask.size() > kMaxMaskSize) return fail(Errc::kInvalidArgument, "mask above 23 octets");
  return std::string(kDiscoveryLabel) + " " + hex_n(k.relay_service_code.value, 6) + " " + std::to_string(k.eea) + " " +
         k.duik.reveal_hex() + " " + key_or_dash(k.dusk) + " " + key_or_dash(k.duck) + " " +
         (k.encrypted_bits_mask.empty() ? std::string("-") : to_hex(k.encrypted_bits_mask));
}

Result<Entry> parse_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto f = split(line);
  if (f.empty() || f[0][0] == '#') return Entry{};
  if (f[0] == kLinkLabel) {
    if (f.size() != 8) return fail(Errc::kMalformed, "PC5_LINK: 7 fields expected");
    LinkKeys k;
    PROSE_TRY(k.remote_ue_l2.value, hex_field(f[1], 6, kMaxL2Id, "remote UE L2 ID"));
    PROSE_TRY(k.relay_l2.value, hex_field(f[2], 6, kMaxL2Id, "relay L2 ID"));
    PROSE_TRY(std::uint32_t id, hex_field(f[3], 4, 0xffff, "KD-sess ID"));
    if (id == 0) return fail(Errc::kMalformed, "KD-sess ID: 0 is the unprotected value");
    k.kd_sess_id = ids::KdSessId{static_cast<std::uint16_t>(id)};
    PROSE_TRY(k.eea, algorithm(f[4], "EEA"));
    PROSE_TRY(k.eia, algorithm(f[5], "EIA"));
    PROSE_TRY(k.pek, key(f[6], kKeySize, false, "PEK"));
    PROSE_TRY(k.pik, key(f[7], kKeySize, false, "PIK"));
    return Entry{std::move(k)};
  }
  if (f[0] == kDiscoveryLabel) {
    if (f.size() != 7) return fail(Errc::kMalformed, "PC5_DISCOVERY: 6 fields expected");
    DiscoveryKeys k;
    PROSE_TRY(k.relay_service_code.value, hex_field(f[1], 6, kMaxRsc, "Relay Service Code"));
    PROSE_TRY(k.eea, algorithm(f[2], "EEA"));
    PROSE_TRY(k.duik, key(f[3], kDiscoveryKeySize, false, "DUIK"));
    PROSE_TRY(k.dusk, key(f[4], kDiscoveryKeySize, true, "DUSK"));
    PROSE_TRY(k.duck, key(f[5], kDiscoveryKeySize, true, "DUCK"));
    if (f[6] != "-") {
      auto m = from_hex(f[6], "mask");
      if (!m.ok() || m->empty() || m->size() > kMaxMaskSize)
        return fail(Errc::kMalformed, "mask: 1..23 octets in hex or -");
      k.encrypted_bits_mask = std::move(*m);
    }
    return Entry{std::move(k)};
  }
  return fail(Errc::kMalformed, "unknown label " + std::string(f[0].substr(0, 32)));
}

File parse(std::string_view text) {
  File out;
  std::set<std::string> seen;
  std::size_t n = 0;
  while (!text.empty()) {
    ++n;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto e = parse_line(line);
    if (!e.ok()) {
      out.errors.push_back("line " + std::to_string(n) + ": " + e.error().message);
      continue;
    }
    if (std::holds_alternative<std::monostate>(*e)) continue;
    std::string canonical =
        std::holds_alternative<LinkKeys>(*e) ? *format(std::get<LinkKeys>(*e)) : *format(std::get<DiscoveryKeys>(*e));
    if (!seen.insert(canonical).second) continue;
    if (auto* l = std::get_if<LinkKeys>(&*e))
      out.links.push_back(std::move(*l));
    else
      out.discovery.push_back(std::move(std::get<DiscoveryKeys>(*e)));
  }
  return out;
}

std::string resolve_path(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* e = std::getenv(kEnvVar);
  return e != nullptr ? std::string(e) : std::string();
}

Result<std::unique_ptr<Writer>> Writer::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::kIo, "cannot open PC5 key log " + path + ": " + std::strerror(errno));
  return std::unique_ptr<Writer>(new Writer(fd, path));
}

Writer::~Writer() { ::close(fd_); }

Status Writer::write_line(const std::string& line) {
  const std::string l = line + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  ssize_t n = ::write(fd_, l.data(), l.size());
  if (n != static_cast<ssize_t>(l.size())) return fail(Errc::kIo, "write to PC5 key log " + path_ + " failed");
  return ok_status();
}

}  // namespace prose::keylog
