// Milenage (TS 35.205/35.206) and the authentication-vector / USIM procedures of TS 33.102 6.3 built on it.
// CONTRACT HEADER: other modules (gba, pkmf, hss) code against these declarations.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

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
  Bytes mac_a;   // f1, 8 octets
  Bytes mac_s;   // f1*, 8 octets
  Bytes res;     // f2, 8 octets
  SecretBytes ck;  // f3, 16 octets
  SecretBytes ik;  // f4, 16 octets
  Bytes ak;      // f5, 6 octets
  Bytes ak_star;  // f5*, 6 octets
};

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
  Milenage(SecretBytes k, SecretBytes opc) : k_(std::move(k)), opc_(std::move(opc)) {}
  SecretBytes k_;
  SecretBytes opc_;
};

Bytes sqn_to_bytes(Sqn sqn);         // 6 octets big-endian
Sqn sqn_from_bytes(ByteView six);    // requires 6 octets

// Authentication vector, TS 33.102 6.3.2: AUTN = (SQN xor AK) || AMF || MAC-A.
struct AuthVector {
  Bytes rand;        // 16
  Bytes xres;        // 8
  SecretBytes ck;    // 16
  SecretBytes ik;    // 16
  Bytes autn;        // 16
};
Result<AuthVector> make_auth_vector(ByteView k, ByteView opc, ByteView rand, Sqn sqn, ByteView amf);

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
class Usim {
 public:
  static Result<Usim> create(ByteView k, ByteView opc, SqnPolicy policy = {});

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

 private:
  Usim(Milenage m, SqnPolicy p);
  Milenage milenage_;
  SqnPolicy policy_;
  std::vector<std::uint64_t> seq_;  // size 2^ind_bits
};

}  // namespace prose::crypto
