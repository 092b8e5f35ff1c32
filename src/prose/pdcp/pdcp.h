// Sidelink PDCP for one-to-one ProSe (TS 36.323 5.6.2, 5.7, 6.2.x, 6.3.x; profile.md section 3):
// the 5-octet header, and stateless protect / unprotect of one PDU for a given COUNT.
// Stateful TX / RX entities (COUNT assignment, replay window, rekey trigger): prose/pdcp/entity.h.
// Which PC5 signalling message is protected how: prose/pc5/protection_policy.h.
//
// PDU:   SDU type (3 bits) | R R R R R | KD-sess ID (16) | PDCP SN (16) | data ... | [MAC-I (32)]
//        (TS 36.323 V14.1.0 figure 6.2.10.2, one-to-one SLRB; R = reserved bits, sent as 0 and ignored by the
//        receiver, 6.3.6; they are part of the header, so the MAC-I covers them as received.)  [V 36.323]
// COUNT = HFN (16 bits, per direction, incremented when the SN wraps) || PDCP SN (16)            [P]
// MAC-I = EIA(PIK, COUNT, BEARER, DIRECTION) over header || plaintext data, computed before ciphering;
//         the MAC-I itself is not ciphered (36.323 6.3.3).                                     [V 36.323 / P]
// Ciphering: EEA(PEK, COUNT, BEARER, DIRECTION) over the data part only.                      [V 36.323]
// KD-sess ID 0 in the header = unprotected PDU (no context, no MAC-I).                         [V 36.323]
//
// Errors: kTruncated (shorter than header [+ MAC-I]), kMalformed (reserved SDU type, SN does not match COUNT,
// unexpected KD-sess ID), kAuthFailed (MAC-I mismatch), kInvalidArgument (bad key size, bearer > 31,
// direction > 1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "prose/cipher/eps_algorithms.h"
#include "prose/ids/ids.h"
#include "prose/util/byte_writer.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::pdcp {

// ---- Constants: THE PDCP table (source tags as in docs/conformance/pdcp.md).
inline constexpr std::size_t kHeaderSize = 5;  // [V 36.323 V14.1.0 figure 6.2.10.2]
inline constexpr std::size_t kMacISize = 4;    // [V 36.323 6.3.4]
inline constexpr unsigned kSnBits = 16;        // [V 36.323 6.3.2]
inline constexpr std::uint32_t kSnMask = 0xFFFF;
inline constexpr std::uint32_t kMaxHfn = 0xFFFF;      // HFN = 32 - 16 bits [V 36.323 6.3.5]
inline constexpr std::uint8_t kMaxBearer = 31;        // 5-bit BEARER [V 33.401 B]
inline constexpr std::uint8_t kSignallingBearer = 0;  // PC5 signalling uses bearer 0 [P]
// KD-sess ID 0 = unprotected PDU [V 36.323 5.6.2]: ids::kUnprotectedKdSessId (prose/ids/ids.h).
using ids::kUnprotectedKdSessId;
// Default rekey trigger: 2^32 - 2^16, i.e. one full SN cycle before COUNT would repeat. [project choice]
inline constexpr std::uint32_t kDefaultRekeyThreshold = 0xFFFF0000u;

inline constexpr std::uint8_t kReservedBitsMask = 0x1F;  // the 5 R bits after the SDU type [V 36.323 V14.1.0 6.3.6]

// SDU type (3 bits) [V 36.323 V14.1.0 table 6.3.14.1]; 4..7 reserved and rejected.
enum class SduType : std::uint8_t { kIp = 0, kArp = 1, kPc5Signalling = 2, kNonIp = 3 };
inline constexpr std::uint8_t kMaxSduType = 3;

// DIRECTION [P]: 0 for PDUs sent by the UE that sent the Direct Communication Request, 1 for the other UE.
enum class Direction : std::uint8_t { kFromInitiator = 0, kFromResponder = 1 };

// BEARER [P] = LCID - 1 in 5 bits for sidelink data LCIDs 1..10; PC5 signalling LCIDs 28..30 use bearer 0.
// NOTE (open issue, see docs/conformance/pdcp.md): this maps data LCID 1 to bearer 0 as well, i.e. the same
// (PEK, BEARER, DIRECTION) space as signalling; callers must not run LCID 1 user data under the same KD-sess
// as ciphered signalling until the profile settles this. Errors: kInvalidArgument for other LCIDs.
Result<std::uint8_t> bearer_for_lcid(std::uint8_t lcid);

struct Header {
  SduType sdu_type = SduType::kIp;
  std::uint8_t reserved = 0;  // the 5 R bits: sent as 0, ignored on receipt (36.323 6.3.6)
  ids::KdSessId kd_sess_id;
  std::uint16_t sn = 0;
  friend bool operator==(const Header&, const Header&) = default;
};

// Parses the first 5 octets (kTruncated / kMalformed for a reserved SDU type). Any value of the R bits is
// accepted and reported in Header::reserved.
Result<Header> decode_header(ByteView pdu);
void encode_header(ByteWriter& w, const Header& h);
inline bool is_unprotected(const Header& h) { return h.kd_sess_id.is_unprotected(); }

// What to apply to one PDU. Per PC5 message: pc5::signalling_protection(); user plane: ciphering only.
struct ProtectionMode {
  bool integrity = false;  // MAC-I with PIK
  bool ciphering = false;  // data ciphered with PEK (EEA0 = identity)
};

// Non-owning view of one KD-sess's algorithm keys (16 octets each; an unused key may be empty).
struct KeyView {
  cipher::Eea eea = cipher::Eea::kEea0;
  cipher::Eia eia = cipher::Eia::kEia0;
  ByteView pek;
  ByteView pik;
};

struct PduParams {
  std::uint32_t count = 0;  // full 32-bit COUNT; the header carries its 16 LSBs as SN
  std::uint8_t bearer = 0;
  std::uint8_t direction = 0;
};

// Builds header (SN = count & 0xFFFF, the given KD-sess ID) || data [|| MAC-I].
Result<Bytes> protect_pdu(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, SduType sdu_type,
                          ids::KdSessId kd_sess_id, const PduParams& p, ByteView sdu);

struct UnprotectedPdu {
  Header header;
  std::uint32_t count = 0;
  Bytes sdu;
};
struct PduInfo {
  Header header;
  std::uint32_t count = 0;
};
// Checks the header, that the header SN equals p.count's 16 LSBs, then deciphers and verifies the MAC-I.
// Does not look at the KD-sess ID (the caller selected the keys by it).
Result<UnprotectedPdu> unprotect_pdu(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, const PduParams& p,
                                     ByteView pdu);

// Buffer-reusing variants for the data path: `out` / `sdu_out` keep their capacity between calls, so a steady
// stream of PDUs costs no heap allocation. They must not alias the input. On failure the output is wiped and empty.
Status protect_pdu_into(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, SduType sdu_type,
                        ids::KdSessId kd_sess_id, const PduParams& p, ByteView sdu, Bytes& out);
Result<PduInfo> unprotect_pdu_into(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, const PduParams& p,
                                   ByteView pdu, Bytes& sdu_out);

// Unprotected PDUs (DCR, DCRj, DSM Reject; EEA0 user plane): KD-sess ID 0, no MAC-I.
Bytes encode_unprotected(SduType sdu_type, std::uint16_t sn, ByteView sdu);
// kMalformed when the KD-sess ID is not 0. The R bits are ignored.
Result<UnprotectedPdu> decode_unprotected(ByteView pdu);

}  // namespace prose::pdcp
