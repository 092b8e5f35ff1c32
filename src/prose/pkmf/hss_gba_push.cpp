#include "prose/pkmf/hss_gba_push.h"

#include "prose/keys/prose_keys.h"

namespace prose::pkmf {

std::string impi_for(const std::string& impi_template, const std::string& imsi) {
  std::string out = impi_template;
  auto pos = out.find("{imsi}");
  if (pos != std::string::npos) out.replace(pos, 6, imsi);
  return out;
}

HssGbaPush::HssGbaPush(HssGbaPushConfig config)
    : config_(std::move(config)), naf_id_(keys::make_pkmf_naf_id(config_.pkmf_fqdn)) {}

Result<hss::HssClient*> HssGbaPush::client() {
  if (!client_) {
    PROSE_TRY(client_, hss::HssClient::connect(config_.diameter));
  }
  return client_.get();
}

void HssGbaPush::drop_on_io_error(const Error& e) {
  if (e.code == Errc::kIo || e.code == Errc::kTimeout || e.code == Errc::kMalformed) client_.reset();
}

Result<gba::CreatedGpi> HssGbaPush::push(const std::string& imsi, std::uint64_t pruk_id, std::uint32_t lifetime_s) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string impi = impi_for(config_.impi_template, imsi);
  for (int attempt = 0; attempt < 2; ++attempt) {  // one reconnect after a broken connection
    PROSE_TRY(hss::HssClient * c, client());
    if (config_.mode == GbaPushMode::kZpn) {
      auto r = c->get_gpi(imsi, impi, naf_id_, pruk_id, lifetime_s);
      if (!r.ok()) {
        drop_on_io_error(r.error());
        if (attempt == 0 && !client_) continue;
        return r.error();
      }
      if (r->pruk_id != pruk_id) return fail(Errc::kState, "BSF answered with another P-TID than requested");
      return gba::CreatedGpi{std::move(r->gpi), r->pruk_id, std::move(r->pruk), r->lifetime};
    }
    auto av = c->get_auth_vector(imsi);
    if (!av.ok()) {
      drop_on_io_error(av.error());
      if (attempt == 0 && !client_) continue;
      return av.error();
    }
    return gba::create_gpi(*av, impi, naf_id_, pruk_id, lifetime_s);
  }
  return fail(Errc::kIo, "HSS/BSF unreachable");
}

Status HssGbaPush::resync(const std::string& imsi, ByteView rand, ByteView auts) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    PROSE_TRY(hss::HssClient * c, client());
    auto r = c->resync(imsi, rand, auts);
    if (r.ok()) return ok_status();
    drop_on_io_error(r.error());
    if (attempt == 0 && !client_) continue;
    return r.error();
  }
  return fail(Errc::kIo, "HSS unreachable");
}

}  // namespace prose::pkmf
