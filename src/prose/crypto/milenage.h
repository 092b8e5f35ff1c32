// Milenage (TS 35.205/35.206) and the authentication-vector / USIM procedures of TS 33.102 6.3 built on it.
// CONTRACT HEADER: other modules (gba, pkmf, hss) code against these declarations.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "prose/crypto/aes128.h"

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::crypto {

inline constexpr std::size_t kMilenageKeySize = 16;  // K, OP, OPc, RAND, CK, IK
inline constexpr std::size_t kSqnSize = 6;
inline constexpr std::size_t kAmfSize = 2;
inline constexpr std::size_t kAutnSize = 16;
inline constexpr std::size_t kAutsSize = 14;

using Sqn = std::uint64_t;  // 48-bit sequence number (SEQ || IND)

struct MilenageOutputs {
  Bytes mac_a;     // f1, 8 octets
  Bytes mac_s;     // f1*, 8 octets
  Bytes res;       // f2, 8 octets
  SecretBytes ck;  // f3, 16 octets
  SecretBytes ik;  // f4, 16 octets
  Bytes ak;        // f5, 6 octets
  Bytes ak_star;   // f5*, 6 octets
};

// Holds K (as an AES-128 context created once and reused) and OPc. Not thread-safe: use one object per thread.
class Milenage {
 public:
  // K and OPc must be 16 octets each.
  static Result<Milenage> create(ByteView k, ByteView opc);
  // OPc = OP xor E_K(OP).
  static Result<SecretBytes> compute_opc(ByteView k, ByteView op);

  // All of f1, f1*, f2, f3, f4, f5, f5* for one RAND (16), SQN (6), AMF (2).
  Result<MilenageOutputs> compute(ByteView rand, ByteView sqn, ByteView amf) const;
  Result<Bytes> f1(ByteView rand, ByteView sqn, ByteView amf) const;       // MAC-A
  Result<Bytes> f1_star(ByteView rand, ByteView sqn, ByteView amf) const;  // MAC-S
  // f2..f5 (RES, CK, IK, AK) and f5* (AK*), which depend on RAND only.
  Result<MilenageOutputs> f2345(ByteView rand) const;

 private:
  Milenage(Aes128 aes, SecretBytes opc) : aes_(std::move(aes)), opc_(std::move(opc)) {}
  // TEMP = E_K(RAND xor OPc).
  void temp(ByteView rand, std::uint8_t out[16]) const;
  // OUT1 (f1/f1*) from TEMP, SQN, AMF.
  void out1(const std::uint8_t temp[16], ByteView sqn, ByteView amf, std::uint8_t out[16]) const;
  // OUTi for i = 2..5 from TEMP.
  void out_i(const std::uint8_t temp[16], int i, std::uint8_t out[16]) const;
  Aes128 aes_;
  SecretBytes opc_;
};

Bytes sqn_to_bytes(Sqn sqn);       // 6 octets big-endian (the 48 low bits of `sqn`)
Sqn sqn_from_bytes(ByteView six);  // requires 6 octets (returns 0 for any other size)
inline constexpr Sqn kSqnMax = (Sqn{1} << 48) - 1;

// Authentication vector, TS 33.102 6.3.2: AUTN = (SQN xor AK) || AMF || MAC-A.
struct AuthVector {
  Bytes rand;      // 16
  Bytes xres;      // 8
  SecretBytes ck;  // 16
  SecretBytes ik;  // 16
  Bytes autn;      // 16
};
// Fails (kInvalidArgument) on wrong K/OPc/RAND/AMF sizes or an SQN above 48 bits.
Result<AuthVector> make_auth_vector(ByteView k, ByteView opc, ByteView rand, Sqn sqn, ByteView amf);

// USIM side of resynchronisation (33.102 6.3.3): AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(SQN_MS, RAND,
// AMF* = 0x0000). Exposed for tests and tools; Usim::authenticate builds it itself on an SQN failure.
Result<Bytes> make_auts(ByteView k, ByteView opc, ByteView rand, Sqn sqn_ms);

// HSS side of resynchronisation (33.102 6.3.5): from RAND and AUTS recover SQN_MS after checking MAC-S
// (computed with AMF* = 0x0000). Fails with kAuthFailed on a bad MAC-S.
Result<Sqn> recover_sqn_ms(ByteView k, ByteView opc, ByteView rand, ByteView auts);

// SQN with IND (33.102 Annex C.1-C.2): SEQ in the 43 MSBs, IND in the 5 LSBs by default.
struct SqnPolicy {
  unsigned ind_bits = 5;
  // A SEQ more than `delta` ahead of the highest accepted SEQ is rejected (C.2.2); 2^28 by default.
  std::uint64_t delta = std::uint64_t{1} << 28;
  // Age limit L (C.2.2, optional): 0 disables it.
  std::uint64_t age_limit = 0;
};

// The USIM side: K, OPc and the SEQ array of accepted sequence numbers per IND slot.
//
// Freshness rule (Annex C.2.2, checked after MAC-A): with SQN = SEQ || IND, accept when SEQ > SEQ_MS(IND) (the
// SEQ last accepted in that IND slot), SEQ - SEQ_MS <= delta (SEQ_MS = highest SEQ anywhere in the array) and, when
// an age limit L is set, SEQ_MS - SEQ <= L. On acceptance SEQ_MS(IND) := SEQ. On failure AUTS carries SQN_MS =
// the highest previously accepted SQN anywhere in the array (C.2.4).
class Usim {
 public:
  // A fresh USIM: every slot 0 (so the first accepted SQN must have SEQ >= 1 and SEQ <= delta).
  static Result<Usim> create(ByteView k, ByteView opc, SqnPolicy policy = {});
  // A USIM that has accepted the SQNs up to and including `sqn_ms` in order: afterwards any SQN greater than
  // sqn_ms (within delta) is fresh and any SQN <= sqn_ms is not. sqn_ms() returns `sqn_ms`.
  static Result<Usim> create_with_sqn_ms(ByteView k, ByteView opc, Sqn sqn_ms, SqnPolicy policy = {});

  struct Accepted {
    Bytes res;
    SecretBytes ck;
    SecretBytes ik;
    Sqn sqn;
  };
  struct SyncFailure {
    Bytes auts;  // 14 octets: (SQN_MS xor AK*) || MAC-S
  };
  // AUTHENTICATE: checks MAC-A (kAuthFailed "MAC failure") and freshness of SQN. On an SQN failure the result
  // holds AUTS; the accepted SQN state changes only on success.
  struct AuthResult {
    std::optional<Accepted> accepted;
    std::optional<SyncFailure> sync_failure;
  };
  Result<AuthResult> authenticate(ByteView rand, ByteView autn);

  // Highest SQN accepted so far (SQN_MS), used in AUTS.
  Sqn sqn_ms() const;
  // Restore/persist state: the SEQ per IND slot.
  const std::vector<std::uint64_t>& seq_array() const { return seq_; }
  void set_seq_array(std::vector<std::uint64_t> seq) { seq_ = std::move(seq); }
  // Same as set_seq_array but validated (2^ind_bits slots, each SEQ within 48 - ind_bits bits).
  Status restore_seq_array(std::vector<std::uint64_t> seq);
  const SqnPolicy& policy() const { return policy_; }

 private:
  Usim(Milenage m, SqnPolicy p);
  bool fresh(Sqn sqn) const;
  Milenage milenage_;
  SqnPolicy policy_;
  std::vector<std::uint64_t> seq_;  // size 2^ind_bits
};

}  // namespace prose::crypto
