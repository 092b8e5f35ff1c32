// Subscriber store of the HSS emulator (SQLite): IMSI, K, OPc, SQN, AMF.
//
// SQN handling follows TS 33.102 Annex C: SQN = SEQ || IND (IND in the `ind_bits` LSBs). Each new authentication
// vector increments SEQ and moves IND to the next slot cyclically (C.1.2 / C.3.2). The stored SQN is the last one
// issued; allocating the next one is a single UPDATE ... RETURNING inside BEGIN IMMEDIATE, so concurrent
// requests (threads or processes) never get the same SQN, and the database runs in WAL mode with
// synchronous=FULL so an SQN handed out is never handed out again after a crash.
//
// K and OPc are stored as given (no encryption at rest): this is a lab emulator (docs/hss.md).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

struct sqlite3;

namespace prose::hss {

inline constexpr unsigned kDefaultIndBits = 5;                 // TS 33.102 C.1.1 (example: 5-bit IND)
inline constexpr std::uint64_t kDefaultSqnDelta = 1ULL << 28;  // TS 33.102 C.2.2 (Delta, the USIM window)
inline constexpr std::uint64_t kSqnMax = (1ULL << 48) - 1;

struct Subscriber {
  std::string imsi;
  SecretBytes k;        // 16
  SecretBytes opc;      // 16
  crypto::Sqn sqn = 0;  // last SQN issued (or the provisioned start value)
  Bytes amf;            // 2
};

// IMSI: 6 to 15 decimal digits (TS 23.003 2.2).
Status validate_imsi(std::string_view imsi);

// The SQN that follows `current` (SEQ + 1, IND + 1 mod 2^ind_bits). Fails when SEQ would overflow.
Result<crypto::Sqn> next_sqn(crypto::Sqn current, unsigned ind_bits = kDefaultIndBits);

struct SqnPolicy {
  unsigned ind_bits = kDefaultIndBits;
  std::uint64_t delta = kDefaultSqnDelta;
};

class SubscriberStore {
 public:
  // Opens (creating if needed) the database; WAL, synchronous=FULL, busy timeout. Thread-safe: one connection
  // guarded by a mutex. Several stores (or processes) may open the same file.
  static Result<std::unique_ptr<SubscriberStore>> open(const std::string& path, SqnPolicy policy = {});
  ~SubscriberStore();
  SubscriberStore(const SubscriberStore&) = delete;
  SubscriberStore& operator=(const SubscriberStore&) = delete;

  // Adds a subscriber. kInvalidArgument on a bad IMSI or key size; kState when the IMSI exists and !replace.
  Status add_subscriber(std::string_view imsi, ByteView k, ByteView opc, crypto::Sqn sqn, ByteView amf,
                        bool replace = false);
  Result<Subscriber> get(std::string_view imsi);
  // Atomically allocates the next SQN; returns the subscriber with that SQN. kNotFound for an unknown IMSI.
  Result<Subscriber> allocate_sqn(std::string_view imsi);

  struct ResyncOutcome {
    crypto::Sqn sqn_ms = 0;      // recovered from AUTS
    crypto::Sqn sqn_before = 0;  // stored SQN before
    crypto::Sqn sqn_after = 0;   // stored SQN after (the next AV uses next_sqn(sqn_after))
    bool reset = false;          // SQN_HE was not acceptable and was set from SQN_MS
  };
  // TS 33.102 6.3.5: verifies MAC-S (kAuthFailed on failure, nothing changes); when the next SQN_HE would not be
  // accepted by a USIM whose highest SQN is SQN_MS, sets SEQ_HE = SEQ_MS (C.3.4).
  Result<ResyncOutcome> resync(std::string_view imsi, ByteView rand, ByteView auts);

  Result<std::size_t> count();
  const SqnPolicy& policy() const { return policy_; }

 private:
  SubscriberStore(sqlite3* db, SqnPolicy policy) : db_(db), policy_(policy) {}
  Status exec(const char* sql);
  sqlite3* db_;
  SqnPolicy policy_;
  std::mutex mu_;
};

}  // namespace prose::hss
