#include "prose/pkmf/hss_gba_push.h"

#include <ctime>
#include <thread>

#include "prose/ids/ids.h"
#include "prose/keys/prose_keys.h"

namespace prose::pkmf {

namespace d = prose::diameter;

std::string impi_for(const std::string& impi_template, const std::string& imsi) {
  std::string out = impi_template;
  auto pos = out.find("{imsi}");
  if (pos != std::string::npos) out.replace(pos, 6, imsi);
  return out;
}

HssGbaPush::HssGbaPush(HssGbaPushConfig config)
    : config_(std::move(config)), naf_id_(keys::make_pkmf_naf_id(config_.pkmf_fqdn)) {
  peers_.push_back({config_.diameter.host, config_.diameter.port});
  peers_.insert(peers_.end(), config_.alternate_peers.begin(), config_.alternate_peers.end());
}

HssGbaPush::~HssGbaPush() = default;  // the client's destructor sends DPR

HssGbaPushStats HssGbaPush::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Result<diameter::HssClient*> HssGbaPush::client() {
  if (client_ && !client_->alive()) client_.reset();
  if (!client_) {
    diameter::ClientConfig cc = config_.diameter;
    cc.host = peers_[peer_].host;
    cc.port = peers_[peer_].port;
    PROSE_TRY(client_, diameter::HssClient::connect(cc));
    ++stats_.connections;
  }
  return client_.get();
}

void HssGbaPush::drop_client() { client_.reset(); }  // DPR/DPA when the connection still lives

void HssGbaPush::next_peer() {
  drop_client();
  peer_ = (peer_ + 1) % peers_.size();
}

Result<d::Message> HssGbaPush::exchange(d::Message req) {
  req.end_to_end = diameter::next_end_to_end();
  Error last = make_error(Errc::kIo, "HSS/BSF unreachable");
  std::chrono::milliseconds backoff = config_.retry_backoff;
  for (int attempt = 0; attempt < config_.max_attempts; ++attempt) {
    auto c = client();
    if (!c.ok()) {
      last = c.error();
      next_peer();
      continue;
    }
    ++stats_.requests;
    if (req.flags & d::kFlagRetransmit) ++stats_.retransmissions;
    auto ans = (*c)->transact(req);
    if (!ans.ok()) {
      last = ans.error();
      if (last.code == Errc::kMalformed) return last;
      // The request may have been processed and its answer lost: any copy carries the T flag and the same
      // End-to-End Identifier so the server answers it from its duplicate cache (RFC 6733 3, 5.5.4, Appendix C).
      req.flags |= d::kFlagRetransmit;
      if (!(*c)->alive()) next_peer();  // failover
      continue;
    }
    diameter::AnswerCode code;
    (void)diameter::answer_status(*ans, "answer", code);
    if (diameter::retry_elsewhere(code)) {
      last = make_error(Errc::kTimeout, d::command_name(req.command_code, true) + ": Result-Code " +
                                            std::to_string(code.code) + " from every peer tried");
      ++stats_.redirected;
      if (peers_.size() > 1) next_peer();
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
      // Not delivered, so not a duplicate: a new request (RFC 6733 7.1.3).
      req.end_to_end = diameter::next_end_to_end();
      req.flags &= static_cast<std::uint8_t>(~d::kFlagRetransmit);
      continue;
    }
    return ans;
  }
  return last;
}

Result<gba::CreatedGpi> HssGbaPush::push(const std::string& imsi, std::uint64_t pruk_id, std::uint32_t lifetime_s) {
  if (lifetime_s == 0) return fail(Errc::kInvalidArgument, "lifetime must be non-zero");
  std::lock_guard<std::mutex> lock(mu_);
  const std::string impi = impi_for(config_.impi_template, imsi);
  if (config_.mode == GbaPushMode::kZpn) {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    PROSE_TRY(d::Message ans, exchange(diameter::HssClient::gpr_request(config_.diameter, imsi, impi, naf_id_, pruk_id,
                                                                        lifetime_s, now)));
    diameter::AnswerCode code;
    PROSE_TRY_STATUS(diameter::answer_status(ans, "GPR", code));
    PROSE_TRY(auto r, diameter::HssClient::gpa_response(ans, pruk_id, now));
    if (r.pruk_id != pruk_id) return fail(Errc::kState, "BSF answered with another P-TID than requested");
    return gba::CreatedGpi{std::move(r.gpi), ids::PrukId{r.pruk_id}, std::move(r.pruk), r.lifetime};
  }
  PROSE_TRY(d::Message ans, exchange(diameter::HssClient::mar_request(config_.diameter, imsi, std::nullopt)));
  diameter::AnswerCode code;
  PROSE_TRY_STATUS(diameter::answer_status(ans, "MAR", code));
  PROSE_TRY(auto av, diameter::HssClient::maa_vector(ans));
  return gba::create_gpi(av, impi, naf_id_, ids::PrukId{pruk_id}, lifetime_s);
}

Status HssGbaPush::resync(const std::string& imsi, ByteView rand, ByteView auts) {
  if (rand.size() != 16) return fail(Errc::kInvalidArgument, "RAND must be 16 octets");
  if (auts.size() != crypto::kAutsSize) return fail(Errc::kInvalidArgument, "AUTS must be 14 octets");
  std::lock_guard<std::mutex> lock(mu_);
  PROSE_TRY(d::Message ans, exchange(diameter::HssClient::mar_request(config_.diameter, imsi, concat({rand, auts}))));
  diameter::AnswerCode code;
  PROSE_TRY_STATUS(diameter::answer_status(ans, "MAR (resync)", code));
  return ok_status();
}

}  // namespace prose::pkmf
