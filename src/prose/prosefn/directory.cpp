#include "prose/prosefn/directory.h"

#include <utility>

namespace prose::prosefn {

StoreDirectory::StoreDirectory(std::string url, SecretBytes kek) : url_(std::move(url)), kek_(std::move(kek)) {}

Result<std::unique_ptr<store::Store>> StoreDirectory::take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  return store::open_store(url_, kek_);
}

void StoreDirectory::give_back(std::unique_ptr<store::Store> s) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(s));
}

Status StoreDirectory::open() {
  PROSE_TRY(auto s, take());
  give_back(std::move(s));
  return ok_status();
}

std::string StoreDirectory::backend_name() {
  auto s = take();
  if (!s.ok()) return "unavailable";
  std::string n = (*s)->backend_name();
  give_back(std::move(*s));
  return n;
}

Result<std::optional<std::vector<std::uint32_t>>> StoreDirectory::remote_ue_rscs(const std::string& imsi) {
  PROSE_TRY(auto s, take());
  auto ue = s->find_ue(imsi);
  if (!ue.ok()) return ue.error();  // a failed connection is not given back
  give_back(std::move(s));
  if (!ue->has_value()) return std::optional<std::vector<std::uint32_t>>{};
  return std::optional<std::vector<std::uint32_t>>{(*ue)->relay_service_codes};
}

Result<std::optional<std::vector<std::uint32_t>>> StoreDirectory::relay_rscs(const std::string& relay_id) {
  PROSE_TRY(auto s, take());
  auto r = s->find_relay(relay_id);
  if (!r.ok()) return r.error();
  give_back(std::move(s));
  if (!r->has_value()) return std::optional<std::vector<std::uint32_t>>{};
  return std::optional<std::vector<std::uint32_t>>{(*r)->relay_service_codes};
}

}  // namespace prose::prosefn
