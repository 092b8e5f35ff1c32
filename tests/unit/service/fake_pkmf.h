// A PKMF at the PC8 level for the service tests: PRUKs by PRUK ID, GBA Push (real gba module, Milenage) for
// IMSIs, resynchronisation with RAND/AUTS, and a forced error code.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/keys/fc_table.h"
#include "prose/keys/prose_keys.h"
#include "prose/pc8/messages.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::service::test {

inline const char* kImsi = "001010123456789";
inline const char* kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
inline const char* kPkmfFqdn = "pkmf.example.org";

struct Subscriber {
  Bytes k = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
  Bytes opc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
  crypto::Sqn hss_sqn = 0x20;
  crypto::Usim usim = crypto::Usim::create(k, opc).value();
};

struct FakePkmf {
  std::map<std::uint64_t, SecretBytes> pruks;
  Subscriber* sub = nullptr;
  std::optional<pc8::ErrorCode> refuse;  // answer every request with this code
  int requests = 0, resyncs = 0;
  std::optional<pc8::KdRequest> last;

  Bytes naf_id() const { return keys::make_naf_id(kPkmfFqdn, keys::fc::kUaProsePkmf); }

  static pc8::Response error(const pc8::KdRequest& r, pc8::ErrorCode code) {
    return pc8::KdResponse{r.transaction_id, code};
  }

  Result<pc8::Response> answer(const pc8::Request& request) {
    const auto* r = std::get_if<pc8::KdRequest>(&request);
    if (r == nullptr) return fail(Errc::kMalformed, "not a KD request");
    ++requests;
    last = *r;
    if (refuse) return error(*r, *refuse);
    if (r->resync) {
      auto sqn_ms = crypto::recover_sqn_ms(sub->k, sub->opc, r->resync->rand.view(), r->resync->auts.view());
      if (!sqn_ms) return error(*r, pc8::ErrorCode::kResynchronisationFailed);
      sub->hss_sqn = *sqn_ms + 0x20;
      ++resyncs;
    }
    const SecretBytes* pruk = nullptr;
    std::optional<Bytes> gpi;
    if (const auto* id = std::get_if<ids::PrukId>(&r->remote_ue)) {
      auto it = pruks.find(id->value);
      if (it == pruks.end()) return error(*r, pc8::ErrorCode::kUnknownPrukId);
      pruk = &it->second;
    } else {
      if (sub == nullptr) return error(*r, pc8::ErrorCode::kUnknownImsi);
      auto av = crypto::make_auth_vector(sub->k, sub->opc, random_bytes(16), sub->hss_sqn, hex_literal("8000"));
      if (!av) return av.error();
      sub->hss_sqn += 0x20;
      const std::uint64_t new_id = random_u64_nonzero();
      auto created = gba::create_gpi(*av, kImpi, naf_id(), ids::PrukId{new_id});
      if (!created) return created.error();
      pruks[new_id] = std::move(created->pruk);
      pruk = &pruks[new_id];
      gpi = std::move(created->gpi);
    }
    pc8::KdGrant g;
    random_fill(g.kd_freshness.bytes);
    auto kd = keys::derive_kd(pruk->view(), g.kd_freshness.view());
    if (!kd) return kd.error();
    g.kd = std::move(*kd);
    g.gpi = std::move(gpi);
    return pc8::Response(pc8::KdResponse{r->transaction_id, std::move(g)});
  }
};

}  // namespace prose::service::test
