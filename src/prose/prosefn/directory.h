// Who may take which role for which Relay Service Codes: the ProSe Function's view of the PKMF's store (the ues
// table: IMSI -> RSCs a Remote UE may use; the relays table: relay id -> RSCs a relay may serve). Only reads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/store/store_pool.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::prosefn {

class Directory {
 public:
  virtual ~Directory() = default;
  // The RSCs of a provisioned Remote UE / relay; nullopt when the identity is not provisioned. kIo when the
  // data source is unreachable. Thread-safe.
  virtual Result<std::optional<std::vector<std::uint32_t>>> remote_ue_rscs(const std::string& imsi) = 0;
  virtual Result<std::optional<std::vector<std::uint32_t>>> relay_rscs(const std::string& relay_id) = 0;
};

// The Directory on the PKMF's Store (SQLite or PostgreSQL, prose/store) through the shared connection pool, one
// connection per concurrent request. Reads only (find_ue / find_relay).
class StoreDirectory : public Directory {
 public:
  StoreDirectory(std::string url, SecretBytes kek);
  // Opens one connection now (and migrates the schema, as every store user does), so that a bad URL or KEK
  // fails at start-up rather than on the first request.
  Status open();
  Result<std::optional<std::vector<std::uint32_t>>> remote_ue_rscs(const std::string& imsi) override;
  Result<std::optional<std::vector<std::uint32_t>>> relay_rscs(const std::string& relay_id) override;
  std::string backend_name();

 private:
  store::StorePool pool_;
};

}  // namespace prose::prosefn
