#include "prose/prosefn/directory.h"

#include <utility>

namespace prose::prosefn {

StoreDirectory::StoreDirectory(std::string url, SecretBytes kek) : pool_(std::move(url), std::move(kek)) {}

Status StoreDirectory::open() {
  PROSE_TRY(auto lease, pool_.acquire());
  return ok_status();
}

std::string StoreDirectory::backend_name() {
  auto lease = pool_.acquire();
  return lease.ok() ? (*lease)->backend_name() : "unavailable";
}

Result<std::optional<std::vector<std::uint32_t>>> StoreDirectory::remote_ue_rscs(const std::string& imsi) {
  PROSE_TRY(auto lease, pool_.acquire());
  PROSE_TRY(auto ue, lease->find_ue(imsi));
  if (!ue) return std::optional<std::vector<std::uint32_t>>{};
  return std::optional<std::vector<std::uint32_t>>{ue->relay_service_codes};
}

Result<std::optional<std::vector<std::uint32_t>>> StoreDirectory::relay_rscs(const std::string& relay_id) {
  PROSE_TRY(auto lease, pool_.acquire());
  PROSE_TRY(auto relay, lease->find_relay(relay_id));
  if (!relay) return std::optional<std::vector<std::uint32_t>>{};
  return std::optional<std::vector<std::uint32_t>>{relay->relay_service_codes};
}

}  // namespace prose::prosefn
