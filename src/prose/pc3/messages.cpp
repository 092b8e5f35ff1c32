#include "prose/pc3/messages.h"

#include <arpa/inet.h>

#include <set>
#include <string>
#include <utility>

#include "prose/pc3/constants.h"
#include "prose/pc3/syntax.h"

namespace prose::pc3 {

namespace detail {

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxHostLength) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_host(std::string_view s) {
  if (is_dns_name(s)) return true;
  if (s.empty() || s.size() > kMaxHostLength || s.find(':') == std::string_view::npos) return false;
  std::string z(s);
  in6_addr a{};
  return ::inet_pton(AF_INET6, z.c_str(), &a) == 1;
}

}  // namespace detail

std::string_view role_name(Role r) { return r == Role::kRelay ? "relay" : "remote-ue"; }

std::optional<Role> role_from_name(std::string_view s) {
  if (s == "remote-ue") return Role::kRemoteUe;
  if (s == "relay") return Role::kRelay;
  return std::nullopt;
}

namespace {

Unexpected invalid(const std::string& m) { return fail(Errc::kInvalidArgument, m); }

bool role_ok(Role r) { return r == Role::kRemoteUe || r == Role::kRelay; }

Status check_services_count(std::size_t n, const char* what) {
  if (n == 0) return invalid(std::string(what) + ": at least one entry is required");
  if (n > kMaxServices) return invalid(std::string(what) + ": more than " + std::to_string(kMaxServices) + " entries");
  return ok_status();
}

Status check_rsc(std::uint32_t rsc) {
  if (rsc > kMaxRelayServiceCode) return invalid("relay service code " + std::to_string(rsc) + " exceeds 24 bits");
  return ok_status();
}

Status check_parameters(const RelayServiceParameters& p, Role role, std::uint32_t rsc) {
  if (p.role != role || p.relay_service_code != rsc) {
    return invalid("parameters for another role or relay service code than their entry");
  }
  if (!detail::is_host(p.pkmf.host)) return invalid("PKMF host '" + p.pkmf.host + "' is not a DNS name or IP address");
  if (p.pkmf.port == 0) return invalid("PKMF port must be 1..65535");
  if (!detail::is_host(p.pkmf.server_name)) {
    return invalid("PKMF TLS server name '" + p.pkmf.server_name + "' is not a DNS name or IP address");
  }
  if (!detail::is_dns_name(p.pkmf.fqdn)) return invalid("PKMF FQDN '" + p.pkmf.fqdn + "' is not a DNS name");
  if (!p.model_a && !p.model_b) return invalid("at least one discovery model must be allowed");
  if (p.max_offset > kMaxUtcCounterOffset) {
    return invalid("max UTC counter offset above " + std::to_string(kMaxUtcCounterOffset) + " s");
  }
  if (role == Role::kRelay) {
    if (p.announce_ms < 1 || p.announce_ms > kMaxAnnouncePeriodMs) {
      return invalid("announce period must be 1.." + std::to_string(kMaxAnnouncePeriodMs) + " ms for a relay");
    }
  } else if (p.announce_ms != 0) {
    return invalid("announce period is for the relay role only");
  }
  return ok_status();
}

}  // namespace

Status validate(const ServiceAuthorisationRequest& m) {
  PROSE_TRY_STATUS(check_services_count(m.services.size(), "request"));
  std::set<std::pair<Role, std::uint32_t>> seen;
  for (const auto& s : m.services) {
    if (!role_ok(s.role)) return invalid("unknown role");
    PROSE_TRY_STATUS(check_rsc(s.relay_service_code));
    if (!seen.emplace(s.role, s.relay_service_code).second) return invalid("(role, relay service code) repeated");
  }
  return ok_status();
}

Status validate(const ServiceAuthorisationResponse& m) {
  if (const auto* c = std::get_if<Cause>(&m.outcome)) {
    if (!cause_info(*c)) return invalid("undefined cause value");
    return ok_status();
  }
  const auto& entries = std::get<std::vector<RelayServiceAuthorisation>>(m.outcome);
  PROSE_TRY_STATUS(check_services_count(entries.size(), "response"));
  std::set<std::pair<Role, std::uint32_t>> seen;
  for (const auto& e : entries) {
    if (!role_ok(e.role)) return invalid("unknown role");
    PROSE_TRY_STATUS(check_rsc(e.relay_service_code));
    if (!seen.emplace(e.role, e.relay_service_code).second) return invalid("(role, relay service code) repeated");
    if (const auto* c = std::get_if<Cause>(&e.outcome)) {
      if (!cause_info(*c)) return invalid("undefined cause value");
    } else {
      PROSE_TRY_STATUS(check_parameters(std::get<RelayServiceParameters>(e.outcome), e.role, e.relay_service_code));
    }
  }
  return ok_status();
}

Status validate(const Message& m) {
  return std::visit([](const auto& x) { return validate(x); }, m);
}

}  // namespace prose::pc3
