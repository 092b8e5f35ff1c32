// What the PKMF stores: Remote UEs and what they may use, relays and what they may serve, PRUKs (encrypted at
// rest), PMKs, and an audit trail of every key issued (never the key itself).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prose/util/secret.h"

namespace prose::store {

enum class PrukSource : std::uint8_t { kMikey = 1, kGbaPush = 2 };

struct UeRecord {
  std::string imsi;
  std::vector<std::uint32_t> relay_service_codes;  // RSCs the UE may use (24 bit each)
  std::optional<std::string> ip_address;           // last address reported in a Key Request
  std::uint16_t mikey_port = 0;
  bool pruk_delivery = false;                // the UE asked for PRUKs and has not stopped
  std::optional<std::uint32_t> key_type_id;  // given to the UE in its Key Response
  std::optional<std::uint64_t> pmk_id;
  std::int64_t updated_at = 0;  // seconds since the epoch
};

struct RelayRecord {
  std::string relay_id;
  std::vector<std::uint32_t> relay_service_codes;  // RSCs the relay may serve
};

struct PrukRecord {
  std::uint64_t pruk_id = 0;
  std::string imsi;
  SecretBytes pruk;
  PrukSource source = PrukSource::kMikey;
  std::int64_t created_at = 0;
  std::uint64_t use_count = 0;
};

// A MIKEY PRUK delivery the UE has not verified yet (issue 17 defect 7), kept next to its PRUK so that the delivery
// survives a crash: a PKMF that restarts, or another PKMF sharing the database, takes it over once its sender stopped
// working on it. No key material and no message: the delivery is rebuilt from the stored PRUK and PMK (both
// encrypted at rest) and sent to the UE's stored address.
struct PendingDelivery {
  std::uint64_t pruk_id = 0;
  std::string imsi;                  // the PRUK's UE (read from the PRUK; ignored on insert)
  unsigned attempts = 0;             // sends made or under way
  std::int64_t next_attempt_ms = 0;  // Unix time in ms when its sender acts next (retransmits or gives up)
};

// What a KD request needs from the store, read in one statement (one round trip on PostgreSQL, one read
// transaction on SQLite): the relay's authorisation for the Relay Service Code, the PRUK named by its ID (when
// the relay gave one) and the Remote UE's authorisation for that code.
struct KdLookup {
  bool relay_known = false;
  bool relay_serves_rsc = false;
  std::optional<PrukRecord> pruk;  // by PRUK ID; nullopt when looked up by IMSI or when the ID is unknown
  bool ue_known = false;           // the IMSI given, or the owner of the PRUK
  bool ue_uses_rsc = false;
};

// One KD request's lookup key (Store::lookup_for_kd_batch): by PRUK ID when `pruk_id` is set, otherwise by `imsi`.
struct KdQuery {
  std::string relay_id;
  std::uint32_t rsc = 0;
  std::optional<std::uint64_t> pruk_id;
  std::string imsi;
};

struct PmkRecord {
  std::uint64_t pmk_id = 0;
  SecretBytes pmk;
};

// A ProSe Shared Discovery Key: one sequence per Relay Service Code, shared by every UE and relay authorised for
// that code. The PSDK with the highest generation of an RSC is its current one; older ones stay until expiry.
struct PsdkRecord {
  std::uint32_t rsc = 0;         // Relay Service Code (24 bit)
  std::uint64_t generation = 0;  // 1, 2, ... per RSC
  std::uint32_t psdk_id = 0;     // random, non-zero, unique across the store while stored
  SecretBytes psdk;              // empty in list_psdks (never decrypted for listing)
  std::int64_t created_at = 0;   // seconds since the epoch
  std::int64_t expires_at = 0;   // seconds since the epoch
};

// The audit subject of a PSDK: "rsc-" and the Relay Service Code in 6 lowercase hex digits.
std::string psdk_audit_subject(std::uint32_t rsc);

// What insert_psdk_if_absent found: the RSC's current PSDK after the call, and whether this call created it.
struct PsdkInsertResult {
  PsdkRecord current;
  bool created = false;
};

// What Store::check() found. Checked: the database's own consistency check (SQLite PRAGMA integrity_check and
// foreign_key_check), no PRUK, PMK or Relay Service Code row without its UE or relay, PRUK IDs non-zero and a UE's
// issue order unique, every stored key (PRUK, PMK, PSDK) opens under the KEK with the label of its row, Relay
// Service Codes within 24 bits, the schema at the latest version.
struct StoreCheck {
  std::vector<std::pair<std::string, std::uint64_t>> rows;  // table -> rows, by table name
  // SHA-256 (hex) over every row of every table, independent of row order and of the backend's physical layout: two
  // stores with the same digest hold the same rows. Key blobs enter as stored (encrypted), never decrypted.
  std::string digest;
  std::vector<std::string> problems;  // empty when the store is sound; names rows by ID, never key material
  bool ok() const { return problems.empty(); }
};

struct AuditEntry {
  std::int64_t at = 0;
  std::string actor;     // authenticated identity that caused it (UE IMSI, relay id, admin)
  std::string action;    // "issue", "derive", "delete", ...
  std::string key_kind;  // "PRUK", "PMK", "KD", "PSDK"
  std::string key_id;    // hex identifier, never key material
  std::string subject;   // the UE the key belongs to ("rsc-<6 hex>" for a PSDK)
};

}  // namespace prose::store
