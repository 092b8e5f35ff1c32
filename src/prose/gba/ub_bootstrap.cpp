#include "prose/gba/ub_bootstrap.h"

#include "prose/gba/ub_client.h"

namespace prose::gba {
namespace {

std::string realm_of(const HttpUrl& u) { return u.host; }

Error http_failure(const HttpReply& r, std::string_view step) {
  const Errc code = r.status == 403 ? Errc::kAuthFailed : Errc::kMalformed;
  return make_error(code, "Ub " + std::string(step) + ": HTTP " + std::to_string(r.status) + " " + r.body);
}

}  // namespace

Result<BootstrapResult> run_bootstrap(crypto::Usim& usim, std::string_view impi, const HttpUrl& bsf, std::int64_t now,
                                      std::chrono::milliseconds timeout) {
  PROSE_TRY(HttpReply r,
            http_get(bsf, {{"Authorization", initial_authorization(impi, realm_of(bsf), bsf.path)}}, timeout));
  BootstrapResult out;
  for (int round = 0; round < 2; ++round) {
    if (r.status != 401 || r.header("WWW-Authenticate").empty()) return fail(http_failure(r, "challenge"));
    PROSE_TRY(UbAnswer ans, answer_challenge(usim, impi, r.header("WWW-Authenticate"), "GET", bsf.path));
    PROSE_TRY(r, http_get(bsf, {{"Authorization", ans.authorization}}, timeout));
    if (!ans.res) {  // sent AUTS: the BSF resynchronised and challenges again
      out.resynchronised = true;
      continue;
    }
    if (r.status != 200) return fail(http_failure(r, "response"));
    PROSE_TRY_STATUS(check_rspauth(ans, r.header("Authentication-Info"), r.body));
    PROSE_TRY(BootstrappingInfo info, decode_bootstrapping_info(r.body));
    out.session = BootstrapSession{info.btid, std::string(impi), *ans.rand, std::move(*ans.ks), now, info.lifetime};
    return out;
  }
  return fail(Errc::kSyncFailure, "Ub: still out of sync after resynchronisation");
}

}  // namespace prose::gba
