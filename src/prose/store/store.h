// The PKMF's storage interface with two backends on one schema: SQLite (embedded default: WAL, synchronous
// commits) and PostgreSQL (libpq, for several PKMF processes sharing one database). Key material (PRUK, PMK,
// PSDK) is encrypted at rest with AES-256-GCM under a key-encryption key, bound to its row.
//
// A Store object owns one database connection and is not thread-safe: give each worker thread its own
// (open_store is cheap). Every method is one transaction; a failed call changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/store/records.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::store {

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string backend_name() const = 0;
  virtual int schema_version() = 0;
  // False once the database connection is lost (StorePool then opens a new one instead of reusing it).
  virtual bool connected() const = 0;
  // The database server this connection reached ("host:port"; empty for SQLite), and whether it accepts writes
  // (asks the server: a PostgreSQL standby does not).
  virtual std::string server() const = 0;
  virtual Result<bool> read_write() = 0;

  // --- Remote UEs ---
  // Adds or replaces the UE's authorisation (its Relay Service Codes); keeps its keys.
  virtual Status upsert_ue(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) = 0;
  virtual Status remove_ue(const std::string& imsi) = 0;  // kNotFound if absent; deletes its PRUKs
  virtual Result<std::optional<UeRecord>> find_ue(const std::string& imsi) = 0;
  virtual Result<std::vector<UeRecord>> list_ues(std::size_t limit, std::size_t offset) = 0;
  virtual Result<std::uint64_t> count_ues() = 0;
  // A Key Request from the UE: delivery wanted or stopped, and where to send MIKEY.
  virtual Status update_ue_delivery(const std::string& imsi, bool pruk_delivery, const std::optional<std::string>& ip,
                                    std::uint16_t port, std::int64_t now) = 0;
  virtual Status set_key_type_id(const std::string& imsi, std::uint32_t key_type_id) = 0;
  virtual Status set_pmk(const std::string& imsi, std::uint64_t pmk_id, const SecretBytes& pmk) = 0;
  virtual Result<std::optional<PmkRecord>> find_pmk(const std::string& imsi) = 0;
  // Forgets the UE's PMK (an operator revoked it) with its audit entry, in one transaction; the UE's next Key
  // Request gets a new one. kNotFound when the UE is unknown.
  virtual Status revoke_pmk(const std::string& imsi, const AuditEntry& audit) = 0;

  // --- Relays ---
  virtual Status upsert_relay(const std::string& relay_id, const std::vector<std::uint32_t>& rscs) = 0;
  virtual Status remove_relay(const std::string& relay_id) = 0;
  virtual Result<std::optional<RelayRecord>> find_relay(const std::string& relay_id) = 0;
  virtual Result<std::vector<RelayRecord>> list_relays() = 0;

  // --- PRUKs ---
  // Inserts a PRUK under a PRUK ID unique in the whole store (across every PKMF sharing the database), together
  // with its audit entry. kInvalidArgument for PRUK ID 0 (reserved: the MIKEY "send a Key Request" trigger);
  // kConflict when the ID is taken, so the caller draws another. `replace_older` deletes the UE's other PRUKs in
  // the same transaction. kNotFound when the UE is unknown.
  virtual Status insert_pruk(const PrukRecord& rec, bool replace_older, const AuditEntry& audit) = 0;
  virtual Result<std::optional<PrukRecord>> find_pruk(std::uint64_t pruk_id) = 0;
  virtual Result<std::optional<PrukRecord>> latest_pruk(const std::string& imsi) = 0;
  virtual Result<std::vector<std::uint64_t>> pruk_ids(const std::string& imsi) = 0;  // newest issued first
  virtual Status record_pruk_use(std::uint64_t pruk_id) = 0;
  // record_pruk_use and its audit entry in one transaction (one commit per KD request).
  virtual Status record_pruk_use_audited(std::uint64_t pruk_id, const AuditEntry& audit) = 0;
  // Many of those in one transaction (the PKMF's group commit of KD bookkeeping). PRUK IDs deleted meanwhile
  // are skipped; their audit entries are still written.
  virtual Status record_pruk_uses(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses) = 0;
  // The UE verified PRUK `pruk_id` (its MIKEY delivery): the UE's PRUKs issued before it are deleted, never one
  // issued after it (its MIKEY message may already be on its way) nor one whose delivery is still on its way (in
  // `keep`, or with a pending delivery stored: the UE may receive it after this one and keep it), together with the
  // audit entry and the verified PRUK's pending delivery, in one transaction. Nothing is deleted when `pruk_id` is no
  // longer stored.
  virtual Status delete_pruks_before(const std::string& imsi, std::uint64_t pruk_id,
                                     const std::vector<std::uint64_t>& keep, const AuditEntry& audit) = 0;
  // The KD request's reads (issue 7 speed): by PRUK ID when `pruk_id` is set, otherwise by `imsi`.
  virtual Result<KdLookup> lookup_for_kd(const std::string& relay_id, std::uint32_t rsc,
                                         std::optional<std::uint64_t> pruk_id, const std::string& imsi) = 0;
  // The reads of several KD requests at once (the PKMF's KD batcher), answer i for query i: on PostgreSQL one
  // statement over arrays (one round trip, one plan execution), on SQLite lookup_for_kd in turn. The outer error:
  // the store failed (every request of the batch fails); an inner one: that request only (its PRUK does not decrypt).
  virtual Result<std::vector<Result<KdLookup>>> lookup_for_kd_batch(const std::vector<KdQuery>& queries) = 0;

  // --- Pending MIKEY deliveries (issue 17 defect 7) ---
  // insert_pruk (without replace_older) and the PRUK's pending delivery (`delivery.pruk_id` must be rec.pruk_id) in
  // one transaction: no PRUK is granted without its delivery being on record. Errors as insert_pruk.
  virtual Status insert_pruk_with_delivery(const PrukRecord& rec, const PendingDelivery& delivery,
                                           const AuditEntry& audit) = 0;
  // Its sender made more attempts: sets attempts and next_attempt_ms of those still pending, in one transaction.
  virtual Status record_delivery_progress(const std::vector<PendingDelivery>& progress) = 0;
  // The delivery ended without a verification (the sender gave up, or it cannot be rebuilt). Absent is no error.
  virtual Status delete_delivery(std::uint64_t pruk_id) = 0;
  // Takes over at most `limit` deliveries whose next_attempt_ms is before `stale_before_ms` (their PKMF stopped
  // working on them), oldest first: each gets one more attempt (the send that resumes it) and next_attempt_ms =
  // `next_attempt_ms`, in one statement, so two PKMFs never take the same one. Returns them as updated.
  virtual Result<std::vector<PendingDelivery>> claim_stale_deliveries(std::int64_t stale_before_ms,
                                                                      std::int64_t next_attempt_ms,
                                                                      std::size_t limit) = 0;
  // Every pending delivery, by PRUK ID (tests and operators).
  virtual Result<std::vector<PendingDelivery>> pending_deliveries() = 0;
  // A deleted PRUK takes its pending delivery with it; delete_pruks_before also ends the verified one's.

  // Many PRUKs in one transaction (provisioning and load tests); all or nothing.
  virtual Status bulk_insert_pruks(const std::vector<PrukRecord>& recs) = 0;

  // --- Discovery keys (PSDKs), one sequence per Relay Service Code ---
  // The RSC's current PSDK (highest generation), expired or not; nullopt when it never had one.
  virtual Result<std::optional<PsdkRecord>> current_psdk(std::uint32_t rsc) = 0;
  // Race-free creation across PKMF processes sharing the database: inserts `rec` as generation rec.generation of
  // rec.rsc unless that generation exists already (another PKMF made it first), then re-reads the RSC's current
  // PSDK in the same transaction. When inserted, the audit entry is written and the RSC's PSDKs that expired by
  // rec.created_at are deleted. kConflict when rec.psdk_id is taken (the caller draws another);
  // kInvalidArgument for PSDK ID 0, generation 0, an RSC over 24 bits, an empty key or an expiry not after creation.
  virtual Result<PsdkInsertResult> insert_psdk_if_absent(const PsdkRecord& rec, const AuditEntry& audit) = 0;
  // Every stored PSDK (rsc, then generation), without key bytes.
  virtual Result<std::vector<PsdkRecord>> list_psdks() = 0;
  // Deletes PSDKs expired by `now` that are not their RSC's current one; returns how many.
  virtual Result<std::size_t> delete_expired_psdks(std::int64_t now) = 0;

  // --- Audit ---
  virtual Status audit(const AuditEntry& entry) = 0;
  // Several entries in one transaction; all or nothing.
  virtual Status audit_many(const std::vector<AuditEntry>& entries) = 0;
  virtual Result<std::vector<AuditEntry>> audit_log(const std::string& subject, std::size_t limit) = 0;
  // Retention: deletes at most `max_rows` audit entries written before `before` (at < before), oldest first, in one
  // transaction; returns how many. Callers repeat while a call deletes `max_rows`, so no transaction holds the
  // write lock for long. kInvalidArgument for max_rows 0.
  virtual Result<std::size_t> prune_audit(std::int64_t before, std::size_t max_rows) = 0;

  // Bulk import: many UEs in one transaction (CSV import); `progress` is called every 1000 rows.
  virtual Status bulk_upsert_ues(const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>& ues,
                                 std::int64_t now, const std::function<void(std::size_t)>& progress) = 0;

  // --- State for monitoring (the PKMF's /metrics) ---
  // Rows of ue, relay, pruk, mikey_delivery and psdk, in that order, in one statement.
  virtual Result<std::vector<std::pair<std::string, std::uint64_t>>> row_counts() = 0;

  // --- Integrity (`prose admin check`, the kill -9 campaign, the bad-input matrix) ---
  // Reads every row of every table. Problems found go into StoreCheck::problems; an error only when the store
  // cannot be read at all.
  virtual Result<StoreCheck> check() = 0;
  // Whether the KEK opens the keys already stored: one PRUK (the lowest PRUK ID) and one PMK (the lowest IMSI that
  // has one) are opened; ok for a store without keys. kAuthFailed naming the row when one does not open: the store
  // was written under another KEK (a PKMF refuses to start then, docs/pkmf.md "Storage"). Two reads.
  virtual Status check_kek() = 0;
};

// url: "sqlite:PATH" (or a plain path) or "postgresql://..." / "postgres://..." (libpq connection URI).
// kek: 32-octet key-encryption key. Opens, then applies pending schema migrations.
Result<std::unique_ptr<Store>> open_store(const std::string& url, const SecretBytes& kek);

}  // namespace prose::store
