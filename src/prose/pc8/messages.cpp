#include "prose/pc8/messages.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "prose/util/hex.h"

namespace prose::pc8 {

namespace {
bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

Result<Imsi> Imsi::parse(std::string_view s) {
  if (s.size() < 6 || s.size() > 15 || !all_digits(s)) {
    return fail(Errc::kInvalidArgument, "IMSI: expected 6 to 15 decimal digits");
  }
  return Imsi{std::string(s)};
}

Result<Msisdn> Msisdn::parse(std::string_view s) {
  if (s.empty() || s.size() > 15 || !all_digits(s)) {
    return fail(Errc::kInvalidArgument, "MSISDN: expected 1 to 15 decimal digits");
  }
  return Msisdn{std::string(s)};
}

Result<UeAddress> UeAddress::parse(std::string_view ip, std::optional<std::uint16_t> port) {
  if (ip.empty() || ip.size() > kMaxIpAddressLength) {
    return fail(Errc::kInvalidArgument, "UE IP address: empty or longer than 45 characters");
  }
  std::string s(ip);
  std::array<std::uint8_t, 16> buf{};
  bool v4 = inet_pton(AF_INET, s.c_str(), buf.data()) == 1;
  bool v6 = !v4 && inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
  if (!v4 && !v6) return fail(Errc::kInvalidArgument, "UE IP address: not an IPv4 or IPv6 address: " + s);
  if (v4 && s.find(':') != std::string::npos) return fail(Errc::kInvalidArgument, "UE IP address: bad IPv4");
  if (port && *port == 0) return fail(Errc::kInvalidArgument, "UE port: must be 1..65535");
  return UeAddress{std::move(s), port};
}

std::string format_utc(UtcTime t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> tod{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

Result<UtcTime> parse_utc(std::string_view s, std::string_view what) {
  using namespace std::chrono;
  auto bad = [&](const char* why) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": " + why + " (expected YYYY-MM-DDThh:mm:ssZ)");
  };
  // Positions: 0123-56-89T12:45:78Z
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return bad("not a UTC time");
  }
  auto num = [&](std::size_t pos, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se)) {
    return bad("not a UTC time");
  }
  if (y < 1970) return bad("year before 1970");
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such date");
  if (h > 23 || mi > 59 || se > 59) return bad("no such time of day");
  return UtcTime{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{se}};
}

// ---------------------------------------------------------------------------------------------------------------
// Clones.

PrukGrant PrukGrant::clone() const {
  PrukGrant g;
  g.key_type_id = key_type_id;
  if (pmk) g.pmk = pmk->clone();
  g.pruk_id = pruk_id;
  if (pruk) g.pruk = pruk->clone();
  return g;
}

PrukResponse PrukResponse::clone() const {
  PrukResponse r;
  r.transaction_id = transaction_id;
  if (const auto* g = std::get_if<PrukGrant>(&outcome)) {
    r.outcome = g->clone();
  } else if (std::holds_alternative<PrukStopAck>(outcome)) {
    r.outcome = PrukStopAck{};
  } else {
    r.outcome = std::get<ErrorCode>(outcome);
  }
  r.groups = groups;
  return r;
}

KdGrant KdGrant::clone() const { return KdGrant{kd.clone(), kd_freshness, gpi, remote_ue}; }

KdResponse KdResponse::clone() const {
  KdResponse r;
  r.transaction_id = transaction_id;
  if (const auto* g = std::get_if<KdGrant>(&outcome)) {
    r.outcome = g->clone();
  } else {
    r.outcome = std::get<ErrorCode>(outcome);
  }
  return r;
}

PgkGrant PgkGrant::clone() const {
  PgkGrant g;
  g.groups = groups;
  if (pmk) g.pmk = pmk->clone();
  return g;
}

PgkResponse PgkResponse::clone() const {
  PgkResponse r;
  r.transaction_id = transaction_id;
  if (const auto* g = std::get_if<PgkGrant>(&outcome)) {
    r.outcome = g->clone();
  } else {
    r.outcome = std::get<ErrorCode>(outcome);
  }
  return r;
}

namespace {
struct KeyCombinationName {
  KeyCombination k;
  std::string_view name;
};
constexpr std::array<KeyCombinationName, 4> kKeyCombinations{{
    {{false, false}, "DUIK"},
    {{true, false}, "DUIK-DUSK"},
    {{false, true}, "DUIK-DUCK"},
    {{true, true}, "DUIK-DUSK-DUCK"},
}};
}  // namespace

std::string_view key_combination_name(KeyCombination k) {
  for (const auto& e : kKeyCombinations) {
    if (e.k == k) return e.name;
  }
  return "DUIK-DUSK-DUCK";  // unreachable: the table covers all four
}

std::optional<KeyCombination> key_combination_from_name(std::string_view name) {
  for (const auto& e : kKeyCombinations) {
    if (e.name == name) return e.k;
  }
  return std::nullopt;
}

DiscoveryKeyResult DiscoveryKeyResult::clone() const {
  DiscoveryKeyResult r;
  r.relay_service_code = relay_service_code;
  if (const auto* g = std::get_if<DiscoveryKeyGrant>(&outcome)) {
    r.outcome = g->clone();
  } else {
    r.outcome = std::get<ErrorCode>(outcome);
  }
  return r;
}

DiscoveryKeyResponse DiscoveryKeyResponse::clone() const {
  DiscoveryKeyResponse r;
  r.transaction_id = transaction_id;
  if (const auto* v = std::get_if<std::vector<DiscoveryKeyResult>>(&outcome)) {
    std::vector<DiscoveryKeyResult> out;
    out.reserve(v->size());
    for (const auto& e : *v) out.push_back(e.clone());
    r.outcome = std::move(out);
  } else {
    r.outcome = std::get<ErrorCode>(outcome);
  }
  return r;
}

Message clone(const Message& m) {
  return std::visit([](const auto& x) -> Message { return x.clone(); }, m);
}

Message to_message(Request r) {
  return std::visit([](auto&& x) -> Message { return std::move(x); }, std::move(r));
}
Message to_message(Response r) {
  return std::visit([](auto&& x) -> Message { return std::move(x); }, std::move(r));
}

// ---------------------------------------------------------------------------------------------------------------
// Kinds.

namespace {
constexpr std::array<std::string_view, kMessageKindCount> kKindNames{
    "pruk-request",  "kd-request",  "pgk-request",  "discovery-key-request",
    "pruk-response", "kd-response", "pgk-response", "discovery-key-response",
};
}  // namespace

MessageKind kind_of(const Message& m) { return static_cast<MessageKind>(m.index()); }
std::string_view kind_name(MessageKind k) { return kKindNames.at(static_cast<std::size_t>(k)); }
std::optional<MessageKind> kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<MessageKind>(i);
  }
  return std::nullopt;
}
bool is_request(MessageKind k) { return static_cast<std::size_t>(k) < 4; }
TransactionId transaction_id_of(const Message& m) {
  return std::visit([](const auto& x) { return x.transaction_id; }, m);
}

// ---------------------------------------------------------------------------------------------------------------
// Invariants.

namespace {

Unexpected invalid(std::string what) { return fail(Errc::kInvalidArgument, std::move(what)); }

template <typename T>
Status check_distinct(const std::vector<T>& v, std::string_view what) {
  std::set<T> seen(v.begin(), v.end());
  if (seen.size() != v.size()) return invalid(std::string(what) + ": duplicate value");
  return ok_status();
}

Status check_count(std::size_t n, std::size_t lo, std::size_t hi, std::string_view what) {
  if (n < lo || n > hi) {
    return invalid(std::string(what) + ": " + std::to_string(n) + " entries, allowed " + std::to_string(lo) + ".." +
                   std::to_string(hi));
  }
  return ok_status();
}

Status check_secret(const SecretBytes& s, std::size_t n, std::string_view what) {
  if (s.size() != n) {
    return invalid(std::string(what) + ": expected " + std::to_string(n) + " octets, got " + std::to_string(s.size()));
  }
  return ok_status();
}

Status check_error_code(ErrorCode c) {
  if (!error_code_info(c)) return invalid("error code " + std::to_string(error_code_value(c)) + " is not defined");
  return ok_status();
}

Status check_pruk_id(ids::PrukId id) {
  if (id.value == 0) return invalid("PRUK ID: the all-zero value is reserved");
  return ok_status();
}

Status check_address(const std::optional<UeAddress>& a) {
  if (!a) return ok_status();
  auto r = UeAddress::parse(a->ip, a->port);
  if (!r.ok()) return Unexpected{r.error()};
  return ok_status();
}

Status check_time(UtcTime t, std::string_view what) {
  // Must be representable on the wire: 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
  using namespace std::chrono;
  auto max = sys_days{year{9999} / December / 31} + hours{23} + minutes{59} + seconds{59};
  if (t.time_since_epoch().count() < 0 || t > max) return invalid(std::string(what) + ": outside 1970..9999");
  return ok_status();
}

Status check_group_request(const GroupKeyRequest& g) {
  PROSE_TRY_STATUS(check_count(g.supported_algorithms.size(), 1, kMaxAlgorithms, "supported algorithms"));
  for (auto a : g.supported_algorithms) {
    if (a > kMaxAlgorithmId) return invalid("supported algorithm: must be 0..15");
  }
  PROSE_TRY_STATUS(check_distinct(g.supported_algorithms, "supported algorithms"));
  PROSE_TRY_STATUS(check_count(g.held_pgk_ids.size(), 0, kMaxHeldIds, "PGK IDs"));
  return check_distinct(g.held_pgk_ids, "PGK IDs");
}

Status check_group_requests(const std::vector<GroupKeyRequest>& gs, std::size_t lo) {
  PROSE_TRY_STATUS(check_count(gs.size(), lo, kMaxGroups, "groups"));
  std::vector<GroupId> ids;
  for (const auto& g : gs) {
    PROSE_TRY_STATUS(check_group_request(g));
    ids.push_back(g.group_id);
  }
  return check_distinct(ids, "group IDs");
}

Status check_group_results(const std::vector<GroupKeyResult>& gs, std::size_t lo) {
  PROSE_TRY_STATUS(check_count(gs.size(), lo, kMaxGroups, "groups"));
  std::vector<GroupId> ids;
  for (const auto& g : gs) {
    ids.push_back(g.group_id);
    if (const auto* grant = std::get_if<GroupKeyGrant>(&g.outcome)) {
      if (grant->algorithm > kMaxAlgorithmId) return invalid("algorithm info: must be 0..15");
      if (grant->pgk_expiry) PROSE_TRY_STATUS(check_time(*grant->pgk_expiry, "PGK expiry"));
    } else {
      PROSE_TRY_STATUS(check_error_code(std::get<ErrorCode>(g.outcome)));
    }
  }
  return check_distinct(ids, "group IDs");
}

Status check_pmk(const std::optional<PmkGrant>& p) {
  if (!p) return ok_status();
  return check_secret(p->pmk, kPmkSize, "PMK");
}

struct Validator {
  Status operator()(const PrukRequest& m) const {
    PROSE_TRY_STATUS(check_count(m.held_pruk_ids.size(), 0, kMaxHeldIds, "PRUK IDs"));
    for (auto id : m.held_pruk_ids) PROSE_TRY_STATUS(check_pruk_id(id));
    PROSE_TRY_STATUS(check_distinct(m.held_pruk_ids, "PRUK IDs"));
    PROSE_TRY_STATUS(check_address(m.ue_address));
    return check_group_requests(m.groups, 0);
  }
  Status operator()(const KdRequest& m) const {
    if (const auto* id = std::get_if<ids::PrukId>(&m.remote_ue)) {
      PROSE_TRY_STATUS(check_pruk_id(*id));
    } else {
      auto r = Imsi::parse(std::get<Imsi>(m.remote_ue).digits);
      if (!r.ok()) return Unexpected{r.error()};
    }
    return ok_status();
  }
  Status operator()(const PgkRequest& m) const {
    PROSE_TRY_STATUS(check_group_requests(m.groups, 1));
    return check_address(m.ue_address);
  }
  Status operator()(const DiscoveryKeyRequest& m) const {
    PROSE_TRY_STATUS(check_count(m.relay_service_codes.size(), 1, kMaxRelayServiceCodes, "Relay Service Codes"));
    return check_distinct(m.relay_service_codes, "Relay Service Codes");
  }
  Status operator()(const PrukResponse& m) const {
    if (const auto* g = std::get_if<PrukGrant>(&m.outcome)) {
      PROSE_TRY_STATUS(check_pmk(g->pmk));
      if (g->pruk_id.has_value() != g->pruk.has_value()) return invalid("PRUK ID and PRUK: give both or neither");
      if (g->pruk_id) {
        PROSE_TRY_STATUS(check_pruk_id(*g->pruk_id));
        PROSE_TRY_STATUS(check_secret(*g->pruk, kPrukSize, "PRUK"));
      }
    } else if (const auto* e = std::get_if<ErrorCode>(&m.outcome)) {
      PROSE_TRY_STATUS(check_error_code(*e));
    }
    return check_group_results(m.groups, 0);
  }
  Status operator()(const KdResponse& m) const {
    if (const auto* g = std::get_if<KdGrant>(&m.outcome)) {
      PROSE_TRY_STATUS(check_secret(g->kd, kKdSize, "KD"));
      if (g->gpi && (g->gpi->empty() || g->gpi->size() > kMaxGpiSize)) {
        return invalid("GPI: must be 1.." + std::to_string(kMaxGpiSize) + " octets");
      }
      if (g->remote_ue) {
        auto r = Imsi::parse(g->remote_ue->imsi.digits);
        if (!r.ok()) return Unexpected{r.error()};
        if (g->remote_ue->msisdn) {
          auto s = Msisdn::parse(g->remote_ue->msisdn->digits);
          if (!s.ok()) return Unexpected{s.error()};
        }
        if (const auto& o = g->remote_ue->other_identity) {
          if (o->empty() || o->size() > kMaxOtherIdentityLength) return invalid("other identity: 1..255 characters");
          for (std::size_t i = 0; i < o->size(); ++i) {
            char c = (*o)[i];
            if (c < 0x20 || c > 0x7e) return invalid("other identity: printable ASCII only");
            // The wire type collapses whitespace: no leading, trailing or double spaces.
            if (c == ' ' && (i == 0 || i + 1 == o->size() || (*o)[i + 1] == ' ')) {
              return invalid("other identity: no leading, trailing or repeated spaces");
            }
          }
        }
      }
      return ok_status();
    }
    return check_error_code(std::get<ErrorCode>(m.outcome));
  }
  Status operator()(const PgkResponse& m) const {
    if (const auto* g = std::get_if<PgkGrant>(&m.outcome)) {
      PROSE_TRY_STATUS(check_group_results(g->groups, 1));
      return check_pmk(g->pmk);
    }
    return check_error_code(std::get<ErrorCode>(m.outcome));
  }
  Status operator()(const DiscoveryKeyResponse& m) const {
    if (const auto* v = std::get_if<std::vector<DiscoveryKeyResult>>(&m.outcome)) {
      PROSE_TRY_STATUS(check_count(v->size(), 1, kMaxRelayServiceCodes, "discovery keys"));
      std::vector<ids::RelayServiceCode> rscs;
      for (const auto& e : *v) {
        rscs.push_back(e.relay_service_code);
        if (const auto* g = std::get_if<DiscoveryKeyGrant>(&e.outcome)) {
          PROSE_TRY_STATUS(check_secret(g->psdk, kPsdkSize, "PSDK"));
          PROSE_TRY_STATUS(check_time(g->expiry, "PSDK expiry"));
          if (g->encrypted_bits_mask &&
              (g->encrypted_bits_mask->empty() || g->encrypted_bits_mask->size() > kMaxEncryptedBitsMaskSize)) {
            return invalid("Encrypted_bits_mask: must be 1.." + std::to_string(kMaxEncryptedBitsMaskSize) + " octets");
          }
          if (g->confidentiality_algorithm &&
              (*g->confidentiality_algorithm < kMinDiscoveryEea || *g->confidentiality_algorithm > kMaxDiscoveryEea)) {
            return invalid("confidentiality algorithm: must be EEA " + std::to_string(kMinDiscoveryEea) + ".." +
                           std::to_string(kMaxDiscoveryEea));
          }
        } else {
          PROSE_TRY_STATUS(check_error_code(std::get<ErrorCode>(e.outcome)));
        }
      }
      return check_distinct(rscs, "Relay Service Codes");
    }
    return check_error_code(std::get<ErrorCode>(m.outcome));
  }
};

}  // namespace

Status validate(const Message& m) { return std::visit(Validator{}, m); }

}  // namespace prose::pc8
