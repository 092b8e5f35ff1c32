#include "prose/crypto/milenage.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "prose/util/ct.h"

namespace prose::crypto {
namespace {

// TS 35.206 clause 4.1 (Milenage default constants; r in bits, c as 128-bit values of which only the last octet is
// non-zero): r1..r5 = 64, 0, 32, 64, 96; c1..c5 = 0, 1, 2, 4, 8. docs/conformance/keys.md lists them.
struct MilenageConstant {
  unsigned rotate_bits;
  std::uint8_t c_last_octet;
};
constexpr MilenageConstant kMilenageConstants[5] = {
    {64, 0x00},  // r1, c1 (OUT1: f1, f1*)
    {0, 0x01},   // r2, c2 (OUT2: f2, f5)
    {32, 0x02},  // r3, c3 (OUT3: f3)
    {64, 0x04},  // r4, c4 (OUT4: f4)
    {96, 0x08},  // r5, c5 (OUT5: f5*)
};

// Cyclic rotation of a 128-bit value towards the MSB by r bits (r a multiple of 8 for the default constants).
void rot(const std::uint8_t in[16], unsigned r_bits, std::uint8_t out[16]) {
  const unsigned r = r_bits / 8;
  for (unsigned i = 0; i < 16; ++i) out[i] = in[(i + r) % 16];
}

Status check_size(ByteView v, std::size_t n, const char* what) {
  if (v.size() != n) {
    return fail(Errc::kInvalidArgument,
                std::string(what) + " must be " + std::to_string(n) + " octets, got " + std::to_string(v.size()));
  }
  return ok_status();
}

struct Wiped {
  std::uint8_t b[16] = {};
  ~Wiped() { secure_wipe(b, sizeof b); }
};

constexpr std::uint8_t kAmfStar[kAmfSize] = {0x00, 0x00};  // TS 33.102 6.3.3: dummy AMF* for MAC-S in AUTS

}  // namespace

Result<Milenage> Milenage::create(ByteView k, ByteView opc) {
  PROSE_TRY_STATUS(check_size(k, kMilenageKeySize, "K"));
  PROSE_TRY_STATUS(check_size(opc, kMilenageKeySize, "OPc"));
  PROSE_TRY(Aes128 aes, Aes128::create(k));
  return Milenage(std::move(aes), SecretBytes(opc));
}

Result<SecretBytes> Milenage::compute_opc(ByteView k, ByteView op) {
  PROSE_TRY_STATUS(check_size(k, kMilenageKeySize, "K"));
  PROSE_TRY_STATUS(check_size(op, kMilenageKeySize, "OP"));
  PROSE_TRY(Aes128 aes, Aes128::create(k));
  SecretBytes opc(kMilenageKeySize);
  aes.encrypt_block(op.data(), opc.data());
  for (std::size_t i = 0; i < kMilenageKeySize; ++i) opc.data()[i] ^= op[i];
  return opc;
}

void Milenage::temp(ByteView rand, std::uint8_t out[16]) const {
  Wiped x;
  for (int i = 0; i < 16; ++i) x.b[i] = rand[i] ^ opc_.data()[i];
  aes_.encrypt_block(x.b, out);
}

void Milenage::out1(const std::uint8_t temp[16], ByteView sqn, ByteView amf, std::uint8_t out[16]) const {
  Wiped in1, r, x;
  std::memcpy(in1.b, sqn.data(), 6);
  std::memcpy(in1.b + 6, amf.data(), 2);
  std::memcpy(in1.b + 8, sqn.data(), 6);
  std::memcpy(in1.b + 14, amf.data(), 2);
  for (int i = 0; i < 16; ++i) in1.b[i] ^= opc_.data()[i];
  rot(in1.b, kMilenageConstants[0].rotate_bits, r.b);
  for (int i = 0; i < 16; ++i) x.b[i] = temp[i] ^ r.b[i];
  x.b[15] ^= kMilenageConstants[0].c_last_octet;
  aes_.encrypt_block(x.b, out);
  for (int i = 0; i < 16; ++i) out[i] ^= opc_.data()[i];
}

void Milenage::out_i(const std::uint8_t temp[16], int i, std::uint8_t out[16]) const {
  const MilenageConstant& c = kMilenageConstants[i - 1];
  Wiped t, x;
  for (int j = 0; j < 16; ++j) t.b[j] = temp[j] ^ opc_.data()[j];
  rot(t.b, c.rotate_bits, x.b);
  x.b[15] ^= c.c_last_octet;
  aes_.encrypt_block(x.b, out);
  for (int j = 0; j < 16; ++j) out[j] ^= opc_.data()[j];
}

Result<MilenageOutputs> Milenage::f2345(ByteView rand) const {
  PROSE_TRY_STATUS(check_size(rand, kMilenageKeySize, "RAND"));
  Wiped t, o;
  temp(rand, t.b);
  MilenageOutputs r;
  out_i(t.b, 2, o.b);
  r.ak.assign(o.b, o.b + 6);
  r.res.assign(o.b + 8, o.b + 16);
  out_i(t.b, 3, o.b);
  r.ck = SecretBytes(ByteView(o.b, 16));
  out_i(t.b, 4, o.b);
  r.ik = SecretBytes(ByteView(o.b, 16));
  out_i(t.b, 5, o.b);
  r.ak_star.assign(o.b, o.b + 6);
  return r;
}

Result<MilenageOutputs> Milenage::compute(ByteView rand, ByteView sqn, ByteView amf) const {
  PROSE_TRY_STATUS(check_size(sqn, kSqnSize, "SQN"));
  PROSE_TRY_STATUS(check_size(amf, kAmfSize, "AMF"));
  PROSE_TRY(MilenageOutputs r, f2345(rand));
  Wiped t, o;
  temp(rand, t.b);
  out1(t.b, sqn, amf, o.b);
  r.mac_a.assign(o.b, o.b + 8);
  r.mac_s.assign(o.b + 8, o.b + 16);
  return r;
}

Result<Bytes> Milenage::f1(ByteView rand, ByteView sqn, ByteView amf) const {
  PROSE_TRY_STATUS(check_size(rand, kMilenageKeySize, "RAND"));
  PROSE_TRY_STATUS(check_size(sqn, kSqnSize, "SQN"));
  PROSE_TRY_STATUS(check_size(amf, kAmfSize, "AMF"));
  Wiped t, o;
  temp(rand, t.b);
  out1(t.b, sqn, amf, o.b);
  return Bytes(o.b, o.b + 8);
}

Result<Bytes> Milenage::f1_star(ByteView rand, ByteView sqn, ByteView amf) const {
  PROSE_TRY_STATUS(check_size(rand, kMilenageKeySize, "RAND"));
  PROSE_TRY_STATUS(check_size(sqn, kSqnSize, "SQN"));
  PROSE_TRY_STATUS(check_size(amf, kAmfSize, "AMF"));
  Wiped t, o;
  temp(rand, t.b);
  out1(t.b, sqn, amf, o.b);
  return Bytes(o.b + 8, o.b + 16);
}

Bytes sqn_to_bytes(Sqn sqn) {
  Bytes b(kSqnSize);
  for (std::size_t i = 0; i < kSqnSize; ++i) b[i] = static_cast<std::uint8_t>(sqn >> (8 * (kSqnSize - 1 - i)));
  return b;
}

Sqn sqn_from_bytes(ByteView six) {
  if (six.size() != kSqnSize) return 0;
  Sqn s = 0;
  for (auto b : six) s = (s << 8) | b;
  return s;
}

Result<AuthVector> make_auth_vector(ByteView k, ByteView opc, ByteView rand, Sqn sqn, ByteView amf) {
  if (sqn > kSqnMax) return fail(Errc::kInvalidArgument, "SQN does not fit in 48 bits");
  PROSE_TRY(Milenage m, Milenage::create(k, opc));
  Bytes sqn_b = sqn_to_bytes(sqn);
  PROSE_TRY(MilenageOutputs o, m.compute(rand, sqn_b, amf));
  AuthVector av;
  av.rand.assign(rand.begin(), rand.end());
  av.xres = o.res;
  av.ck = std::move(o.ck);
  av.ik = std::move(o.ik);
  av.autn.resize(kAutnSize);
  for (std::size_t i = 0; i < kSqnSize; ++i) av.autn[i] = sqn_b[i] ^ o.ak[i];
  std::copy(amf.begin(), amf.end(), av.autn.begin() + kSqnSize);
  std::copy(o.mac_a.begin(), o.mac_a.end(), av.autn.begin() + kSqnSize + kAmfSize);
  return av;
}

namespace {
Result<Bytes> auts_with(const Milenage& m, ByteView rand, Sqn sqn_ms) {
  Bytes sqn_b = sqn_to_bytes(sqn_ms);
  PROSE_TRY(MilenageOutputs o, m.f2345(rand));
  PROSE_TRY(Bytes mac_s, m.f1_star(rand, sqn_b, ByteView(kAmfStar, kAmfSize)));
  Bytes auts(kAutsSize);
  for (std::size_t i = 0; i < kSqnSize; ++i) auts[i] = sqn_b[i] ^ o.ak_star[i];
  std::copy(mac_s.begin(), mac_s.end(), auts.begin() + kSqnSize);
  return auts;
}
}  // namespace

Result<Bytes> make_auts(ByteView k, ByteView opc, ByteView rand, Sqn sqn_ms) {
  if (sqn_ms > kSqnMax) return fail(Errc::kInvalidArgument, "SQN_MS does not fit in 48 bits");
  PROSE_TRY(Milenage m, Milenage::create(k, opc));
  return auts_with(m, rand, sqn_ms);
}

Result<Sqn> recover_sqn_ms(ByteView k, ByteView opc, ByteView rand, ByteView auts) {
  PROSE_TRY_STATUS(check_size(auts, kAutsSize, "AUTS"));
  PROSE_TRY(Milenage m, Milenage::create(k, opc));
  PROSE_TRY(MilenageOutputs o, m.f2345(rand));
  Bytes sqn_b(kSqnSize);
  for (std::size_t i = 0; i < kSqnSize; ++i) sqn_b[i] = auts[i] ^ o.ak_star[i];
  PROSE_TRY(Bytes xmac_s, m.f1_star(rand, sqn_b, ByteView(kAmfStar, kAmfSize)));
  if (!ct_equal(xmac_s, auts.subspan(kSqnSize))) {
    return fail(Errc::kAuthFailed, "AUTS MAC-S failure");
  }
  return sqn_from_bytes(sqn_b);
}

// ---------------------------------------------------------------------------------------------------------------
// USIM

namespace {
Status check_policy(const SqnPolicy& p) {
  if (p.ind_bits > 16) return fail(Errc::kInvalidArgument, "SQN policy: IND length must be 0..16 bits");
  if (p.delta == 0) return fail(Errc::kInvalidArgument, "SQN policy: delta must be positive");
  return ok_status();
}
}  // namespace

Usim::Usim(Milenage m, SqnPolicy p) : milenage_(std::move(m)), policy_(p), seq_(std::size_t{1} << p.ind_bits, 0) {}

Result<Usim> Usim::create(ByteView k, ByteView opc, SqnPolicy policy) {
  PROSE_TRY_STATUS(check_policy(policy));
  PROSE_TRY(Milenage m, Milenage::create(k, opc));
  return Usim(std::move(m), policy);
}

Result<Usim> Usim::create_with_sqn_ms(ByteView k, ByteView opc, Sqn sqn_ms, SqnPolicy policy) {
  if (sqn_ms > kSqnMax) return fail(Errc::kInvalidArgument, "SQN_MS does not fit in 48 bits");
  PROSE_TRY(Usim u, create(k, opc, policy));
  const Sqn mask = (Sqn{1} << policy.ind_bits) - 1;
  const std::uint64_t seq = sqn_ms >> policy.ind_bits;
  const std::uint64_t ind = sqn_ms & mask;
  // Slots up to IND hold SEQ, the slots after it the previous SEQ: exactly the state after accepting every SQN
  // up to sqn_ms in order.
  for (std::uint64_t i = 0; i < u.seq_.size(); ++i) u.seq_[i] = i <= ind ? seq : (seq == 0 ? 0 : seq - 1);
  return u;
}

Status Usim::restore_seq_array(std::vector<std::uint64_t> seq) {
  if (seq.size() != seq_.size()) {
    return fail(Errc::kInvalidArgument,
                "SEQ array must have " + std::to_string(seq_.size()) + " slots, got " + std::to_string(seq.size()));
  }
  for (auto s : seq) {
    if ((s >> (48 - policy_.ind_bits)) != 0) {
      return fail(Errc::kInvalidArgument,
                  "SEQ array value does not fit in " + std::to_string(48 - policy_.ind_bits) + " bits");
    }
  }
  seq_ = std::move(seq);
  return ok_status();
}

Sqn Usim::sqn_ms() const {
  Sqn best = 0;
  for (std::size_t i = 0; i < seq_.size(); ++i) {
    if (seq_[i] == 0) continue;
    best = std::max(best, (Sqn{seq_[i]} << policy_.ind_bits) | i);
  }
  return best;
}

bool Usim::fresh(Sqn sqn) const {
  const Sqn mask = (Sqn{1} << policy_.ind_bits) - 1;
  const std::uint64_t seq = sqn >> policy_.ind_bits;
  const std::size_t ind = static_cast<std::size_t>(sqn & mask);
  const std::uint64_t seq_ms = *std::max_element(seq_.begin(), seq_.end());
  if (seq <= seq_[ind]) return false;                              // replay or older than the slot
  if (seq > seq_ms && seq - seq_ms > policy_.delta) return false;  // too far ahead
  if (policy_.age_limit != 0 && seq < seq_ms && seq_ms - seq > policy_.age_limit) return false;  // too old
  return true;
}

Result<Usim::AuthResult> Usim::authenticate(ByteView rand, ByteView autn) {
  PROSE_TRY_STATUS(check_size(rand, kMilenageKeySize, "RAND"));
  PROSE_TRY_STATUS(check_size(autn, kAutnSize, "AUTN"));
  PROSE_TRY(MilenageOutputs o, milenage_.f2345(rand));
  Bytes sqn_b(kSqnSize);
  for (std::size_t i = 0; i < kSqnSize; ++i) sqn_b[i] = autn[i] ^ o.ak[i];
  ByteView amf = autn.subspan(kSqnSize, kAmfSize);
  PROSE_TRY(Bytes xmac, milenage_.f1(rand, sqn_b, amf));
  if (!ct_equal(xmac, autn.subspan(kSqnSize + kAmfSize))) {
    return fail(Errc::kAuthFailed, "AUTN MAC failure");
  }
  const Sqn sqn = sqn_from_bytes(sqn_b);
  AuthResult r;
  if (!fresh(sqn)) {
    PROSE_TRY(Bytes auts, auts_with(milenage_, rand, sqn_ms()));
    r.sync_failure = SyncFailure{std::move(auts)};
    return r;
  }
  seq_[static_cast<std::size_t>(sqn & ((Sqn{1} << policy_.ind_bits) - 1))] = sqn >> policy_.ind_bits;
  r.accepted = Accepted{std::move(o.res), std::move(o.ck), std::move(o.ik), sqn};
  return r;
}

}  // namespace prose::crypto
