#include "prose/service/remote_ue_service.h"

#include <algorithm>
#include <utility>

#include "prose/ids/ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/link/gba_gpi_processor.h"
#include "prose/mikey/constants.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::service {
namespace {

Bytes be_bytes(std::uint64_t v, int n) {
  Bytes b(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

}  // namespace

Result<std::unique_ptr<RemoteUeService>> RemoteUeService::create(RemoteUeServiceConfig cfg, KeyStore store) {
  if (!cfg.usim) return fail(Errc::kInvalidArgument, "Remote UE service: no USIM");
  std::shared_ptr<crypto::Usim> usim = cfg.usim;
  return std::unique_ptr<RemoteUeService>(new RemoteUeService(std::move(cfg), std::move(store), std::move(usim)));
}

RemoteUeService::RemoteUeService(RemoteUeServiceConfig cfg, KeyStore store, std::shared_ptr<crypto::Usim> usim)
    : cfg_(std::move(cfg)), store_(std::move(store)), usim_(std::move(usim)) {}

// ---- PRUK provisioning -----------------------------------------------------------------------------------------

pc8::Request RemoteUeService::key_request(RemoteUeActions& out, pc8::PrukDelivery delivery, std::uint16_t mikey_port) {
  pc8::PrukRequest r;
  r.transaction_id.value = random_u32();
  r.delivery = delivery;
  r.ue_address = pc8::UeAddress{"127.0.0.1", mikey_port};
  if (const auto* ks = store_.keys(cfg_.pkmf_fqdn))
    for (const auto& p : ks->pruks) r.held_pruk_ids.push_back(ids::PrukId{p.pruk_id});
  const bool start = delivery == pc8::PrukDelivery::kStart;
  msc(out, cfg_.name, "PKMF",
      std::string("PC8 Key Request (PRUK delivery ") + (start ? "start" : "stop") + ", UE address 127.0.0.1:" +
          std::to_string(mikey_port) + ", " + std::to_string(r.held_pruk_ids.size()) + " PRUK IDs held)");
  return pc8::Request(std::move(r));
}

Status RemoteUeService::on_key_response(RemoteUeActions& out, pc8::PrukDelivery delivery,
                                        const Result<pc8::Response>& resp) {
  const std::string& pk = cfg_.pkmf_fqdn;
  if (!resp.ok()) return fail(Errc::kIo, "PKMF unreachable or failed: " + resp.error().to_string());
  auto* pr = std::get_if<pc8::PrukResponse>(&*resp);
  if (!pr) return fail(Errc::kMalformed, "PKMF answered with another response type");
  if (auto* e = std::get_if<pc8::ErrorCode>(&pr->outcome))
    return fail(Errc::kDenied, "PKMF refused the Key Request: " + std::string(pc8::error_code_name(*e)));
  if (delivery == pc8::PrukDelivery::kStop) {
    if (!std::holds_alternative<pc8::PrukStopAck>(pr->outcome))
      return fail(Errc::kMalformed, "PKMF did not acknowledge the stop");
    msc(out, "PKMF", cfg_.name, "PC8 Key Response (PRUK delivery stopped)");
    delivery_on_ = false;
    return {};
  }
  auto* g = std::get_if<pc8::PrukGrant>(&pr->outcome);
  if (!g) return fail(Errc::kMalformed, "unexpected Key Response");
  store_.set_key_type_id(pk, g->key_type_id.value);
  if (g->pmk) {
    store_.set_pmk(pk, g->pmk->pmk_id.value, g->pmk->pmk.clone());
    msc(out, "PKMF", cfg_.name,
        "PC8 Key Response (Key Type ID " + g->key_type_id.hex() + ", PMK ID " + g->pmk->pmk_id.hex() + ", PMK " +
            g->pmk->pmk.fingerprint() + ")");
  } else {
    msc(out, "PKMF", cfg_.name, "PC8 Key Response (Key Type ID " + g->key_type_id.hex() + ")");
  }
  out.emplace_back(SaveKeyStore{});
  const PkmfKeys* ks = store_.keys(pk);
  if (!ks || !ks->pmk_id) return fail(Errc::kState, "no PMK for the PKMF");
  if (!mikey_rx_ || mikey_pmk_id_ != *ks->pmk_id || mikey_key_type_ != g->key_type_id.value) {
    mikey::ReceiverConfig rc;
    rc.accept_rfc3830_defaults = cfg_.mikey_accept_rfc3830_defaults;
    auto rx = std::make_unique<mikey::Receiver>(rc);
    rx->add_pmk(be_bytes(*ks->pmk_id, 8), ks->pmk.clone());
    PROSE_TRY_STATUS(rx->add_key_type(be_bytes(g->key_type_id.value, 4), mikey::KeyClass::kPruk));
    mikey_rx_ = std::move(rx);
    mikey_pmk_id_ = *ks->pmk_id;
    mikey_key_type_ = g->key_type_id.value;
  }
  delivery_on_ = true;
  return {};
}

RemoteUeActions RemoteUeService::on_mikey(link::TimePoint now, ByteView message, std::uint16_t from_port,
                                          std::uint16_t local_port, mikey::NtpTime t) {
  RemoteUeActions out;
  const std::string size_to = std::to_string(message.size()) + " octets to 127.0.0.1:" + std::to_string(local_port);
  const Bytes m(message.begin(), message.end());
  if (!last_i_message_.empty() && m == last_i_message_) {
    // A retransmitted I_MESSAGE (our verification got lost) is answered again.
    msc(out, "PKMF", cfg_.name, "MIKEY I_MESSAGE (retransmitted, " + size_to + ")");
    if (!last_r_message_.empty()) {
      out.emplace_back(SendMikey{from_port, last_r_message_});
      msc(out, cfg_.name, "PKMF", "MIKEY R_MESSAGE (verification, again: the I_MESSAGE was retransmitted)");
    }
    return out;
  }
  if (!mikey_rx_) {
    msc(out, "PKMF", cfg_.name, "MIKEY I_MESSAGE (" + size_to + ")");
    evt(out, "error", "MIKEY message before any Key Response: ignored");
    return out;
  }
  auto opened = mikey_rx_->open(message, t);
  if (!opened.ok()) {
    msc(out, "PKMF", cfg_.name, "MIKEY I_MESSAGE (" + size_to + ")");
    evt(out, "error", "MIKEY message rejected: " + opened.error().to_string());
    return out;
  }
  // IDi = Key Type ID || PRUK ID @ PKMF FQDN (clause 6.X.3.3.2.3.1), as the UE verified it.
  msc(out, "PKMF", cfg_.name,
      "MIKEY I_MESSAGE (IDi Key Type ID " + to_hex(opened->key_type_id) + " || PRUK ID " + to_hex_u64(opened->key_id) +
          " @ " + opened->pkmf_fqdn + ", PMK ID " + to_hex(opened->pmk_id) +
          (opened->key.empty() ? std::string() : ", PRUK " + opened->key.fingerprint()) +
          (opened->verification_message ? ", verification requested" : "") + ", " + size_to + ")");
  last_i_message_ = m;
  last_r_message_.clear();
  if (opened->verification_message) {
    last_r_message_ = *opened->verification_message;
    out.emplace_back(SendMikey{from_port, *opened->verification_message});
    msc(out, cfg_.name, "PKMF", "MIKEY R_MESSAGE (verification)");
  }
  const std::string& pk = cfg_.pkmf_fqdn;
  if (opened->key_request_trigger) {
    // The all-zero PRUK ID (clause 6.X.3.3.2.3): the MAC was verified; the key is discarded unseen and a Key
    // Request (with the PRUK IDs held) goes out at once.
    evt(out, "trigger", "MIKEY with the all-zero PRUK ID from " + opened->pkmf_fqdn + ": sending a Key Request");
    key_request_due_ = now;
    return out;
  }
  store_.add_mikey_pruk(pk, opened->key_id, std::move(opened->key));
  out.emplace_back(SaveKeyStore{});
  evt(out, "pruk",
      "MIKEY PRUK ID " + to_hex_u64(opened->key_id) + " PRUK " + store_.current(pk)->pruk.fingerprint() +
          " at 127.0.0.1:" + std::to_string(local_port));
  return out;
}

RemoteUeActions RemoteUeService::key_request_done(link::TimePoint now, const Status& st) {
  RemoteUeActions out;
  if (st.ok()) {
    key_request_due_.reset();
  } else if (st.error().code == Errc::kIo) {
    evt(out, "error", st.error().message + " (retrying)");
    key_request_due_ = now + link::Millis(1000);
  } else {
    evt(out, "error", st.error().to_string());
    key_request_due_.reset();
  }
  return out;
}

// ---- the link ---------------------------------------------------------------------------------------------------

Result<RemoteUeActions> RemoteUeService::start_link(link::TimePoint now, std::uint32_t relay_l2) {
  relay_l2_ = relay_l2;
  failure_.clear();
  done_ = false;
  timers_ = TimerQueue{};
  dhcp_.reset();
  dhcp_out_.clear();
  dhcp_retry_at_.reset();
  no_dhcpv4_ = false;
  rs_sent_ = false;
  ipv6_.reset();
  link::RemoteUeConfig mc;
  mc.imsi = cfg_.imsi;
  mc.relay_service_code = ids::RelayServiceCode{cfg_.relay_service_code};
  const StoredPruk* p = store_.current(cfg_.pkmf_fqdn);
  if (p && !pruk_id_rejected_) {
    mc.pruk_id = ids::PrukId{p->pruk_id};
    mc.pruk = p->pruk.clone();
  }
  mc.pruk_id_rejected_before = pruk_id_rejected_;
  mc.gpi_processor = link::make_gba_gpi_processor(*usim_, cfg_.impi, keys::make_pkmf_naf_id(cfg_.pkmf_fqdn));
  mc.timers.value[static_cast<std::size_t>(link::TimerId::kT4100)] = link::Millis(2500);
  mc.timers.max_retransmissions[static_cast<std::size_t>(link::TimerId::kT4100)] = 6;
  mc.timers.retransmit_jitter = link::Millis(250);  // UEs that lost frames in one burst do not retransmit in step
  ue_.reset();
  PROSE_TRY(ue_, link::RemoteUe::create(std::move(mc)));
  RemoteUeActions out;
  msc(out, cfg_.name, "relay",
      "Direct Communication Request (" + (p ? "PRUK ID " + to_hex_u64(p->pruk_id) : "IMSI " + cfg_.imsi) + ", RSC " +
          hex24(cfg_.relay_service_code) + ")");
  PROSE_TRY(link::Output o, ue_->start(now));
  handle(out, std::move(o));
  return out;
}

RemoteUeActions RemoteUeService::on_frame(link::TimePoint now, std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  RemoteUeActions out;
  now_ = now;
  if (!ue_ || dst != cfg_.l2_id || src != relay_l2_) return out;
  auto before = ue_->state();
  link::Output o = ue_->on_pdu(now, pdu);
  auto after = ue_->state();
  if (before == link::RemoteState::kWaitDsmc && after == link::RemoteState::kWaitDca) {
    // In the order they happen: the GPI's PRUK is stored, KD derived, then the DSM Complete goes out.
    for (auto& e : o.events)
      if (auto* n = std::get_if<link::NewPruk>(&e)) on_new_pruk(out, *n);
    std::erase_if(o.events, [](const link::Event& e) { return std::holds_alternative<link::NewPruk>(e); });
    evt(out, "kd",
        "KD " + ue_->kd_fingerprint().value_or("-") + " (KD ID " + hex32(ue_->kd_id().value_or(ids::KdId{}).value) +
            ") from the DSMC of relay " + hex24(relay_l2_));
    msc(out, cfg_.name, "relay",
        "Direct Security Mode Complete (KD-sess ID " +
            hex16(ue_->kd_sess_id().value_or(ids::kUnprotectedKdSessId).value) + ")");
  }
  handle(out, std::move(o));
  ip_step(out, now);
  return out;
}

RemoteUeActions RemoteUeService::on_time(link::TimePoint now) {
  RemoteUeActions out;
  for (const auto& d : timers_.take_due(now))
    if (ue_) handle(out, ue_->on_timer(now, d.id));
  ip_step(out, now);
  return out;
}

std::optional<link::TimePoint> RemoteUeService::next_deadline() const {
  auto t = timers_.earliest();
  if (!ue_ || ue_->state() != link::RemoteState::kEstablished) return t;
  const auto earlier = [&t](std::optional<link::TimePoint> u) {
    if (u && (!t || *u < *t)) t = u;
  };
  if (dhcp_ && !dhcp_->has_lease()) earlier(dhcp_retry_at_);
  if (auto renew = dhcp_ ? dhcp_->next_timer() : std::nullopt) earlier(link::TimePoint(*renew));
  return t;
}

RemoteUeActions RemoteUeService::send_data(link::TimePoint now, ByteView datagram) {
  RemoteUeActions out;
  if (!ue_) return out;
  if (cfg_.ip && !lease() && !ipv6_) return out;  // no address yet: nothing the relay would route
  auto r = ue_->send_data(now, datagram);
  if (!r.ok()) {
    evt(out, "error", "data dropped: " + r.error().to_string());
    return out;
  }
  bytes_up_ += datagram.size();
  if (!cfg_.ip) msc(out, cfg_.name, "relay", "user data (" + std::to_string(datagram.size()) + " octets, protected)");
  handle(out, std::move(*r));
  ip_step(out, now);
  // A rekey after every rekey_every datagrams (IP mode: IP packets) sent on one KD-sess: the count starts again
  // when a rekey completes, so datagrams sent while one runs (the relay may be fetching a fresh KD while data keeps
  // flowing) do not start the next one the moment it ends, ahead of the relay's Direct Rekeying Response.
  if (cfg_.rekey_every != 0 && ++datagrams_ >= cfg_.rekey_every && ue_->state() == link::RemoteState::kEstablished) {
    datagrams_ = 0;
    auto k = ue_->rekey(now, cfg_.rekey_auth);
    if (!k.ok()) {
      evt(out, "error", "rekey not started: " + k.error().to_string());
    } else {
      msc(out, cfg_.name, "relay",
          std::string("Direct Rekeying Request (Auth Flag ") + (cfg_.rekey_auth ? "1" : "0") + ")");
      handle(out, std::move(*k));
    }
  }
  return out;
}

RemoteUeActions RemoteUeService::release(link::TimePoint now) {
  RemoteUeActions out;
  if (!ue_ || ue_->state() != link::RemoteState::kEstablished) return out;
  auto r = ue_->release(now);
  if (r.ok()) handle(out, std::move(*r));
  return out;
}

bool RemoteUeService::try_again(int attempts_made) const {
  return !failed_by_peer_ && !ever_secured_ && attempts_made < kSetupAttempts;
}

void RemoteUeService::on_new_pruk(RemoteUeActions& out, link::NewPruk& n) {
  evt(out, "pruk", "GBA Push PRUK ID " + n.pruk_id.hex() + " PRUK " + n.pruk.fingerprint());
  store_.add_gba_pruk(cfg_.pkmf_fqdn, n.pruk_id.value, std::move(n.pruk));
  out.emplace_back(SaveKeyStore{});
}

void RemoteUeService::handle(RemoteUeActions& out, link::Output o) {
  for (std::size_t i = 0; i < o.pdus.size(); ++i)
    out.emplace_back(
        Transmit{relay_l2_, std::move(o.pdus[i]), i < o.pdu_types.size() ? o.pdu_types[i] : std::uint8_t{0}});
  timers_.apply(0, o.timers);
  for (auto& e : o.events) {
    if (auto* s = std::get_if<link::LinkSecured>(&e)) {
      ever_secured_ = true;
      if (const auto* ctx = ue_->current_context(); cfg_.export_link_keys && ctx != nullptr) {
        keylog::LinkKeys k;
        k.remote_ue_l2 = ids::Layer2Id{cfg_.l2_id};
        k.relay_l2 = ids::Layer2Id{relay_l2_};
        k.kd_sess_id = ctx->kd_sess_id();
        k.eea = static_cast<std::uint8_t>(ctx->algorithms().eea);
        k.eia = static_cast<std::uint8_t>(ctx->algorithms().eia);
        k.pek = ctx->pek().clone();
        k.pik = ctx->pik().clone();
        out.emplace_back(ExportLinkKeys{std::move(k)});
      }
      if (s->pruk_id) {
        store_.mark_used(cfg_.pkmf_fqdn, s->pruk_id->value);
        out.emplace_back(SaveKeyStore{});
      }
      datagrams_ = 0;
      evt(out, s->rekey ? "rekeyed" : "ready",
          std::string(s->rekey ? "link rekeyed" : "link secured") + " with relay " + hex24(relay_l2_) +
              ": KD-sess ID " + hex16(s->kd_sess_id.value) + ", KD ID " + hex32(s->kd_id.value) + ", KD " +
              ue_->kd_fingerprint().value_or("-") + ", PRUK ID " + (s->pruk_id ? s->pruk_id->hex() : "-") +
              (s->pruk_from_gpi ? " (from GPI)" : "") + ", algorithms EEA" +
              std::to_string(static_cast<int>(s->algorithms.eea)) + "/EIA" +
              std::to_string(static_cast<int>(s->algorithms.eia)));
    } else if (auto* n = std::get_if<link::NewPruk>(&e)) {
      on_new_pruk(out, *n);
    } else if (auto* d = std::get_if<link::DataReceived>(&e)) {
      if (cfg_.ip) {
        on_ip_sdu(out, std::move(d->data));
        continue;
      }
      bytes_down_ += d->data.size();
      evt(out, "data", "received " + std::to_string(d->data.size()) + " octets from the relay");
      out.emplace_back(DeliverToApp{std::move(d->data)});
    } else if (auto* r = std::get_if<link::PrukIdRejected>(&e)) {
      pruk_id_rejected_ = true;
      evt(out, "info", "relay did not recognise PRUK ID " + r->pruk_id.hex() + ": using the IMSI");
    } else if (auto* f = std::get_if<link::SetupFailed>(&e)) {
      failed_by_peer_ = f->from_peer;
      failure_ = "link setup failed: PC5 cause #" + std::to_string(static_cast<int>(f->cause)) +
                 (f->from_peer ? " from the relay" : "") + (f->detail.empty() ? "" : " (" + f->detail + ")");
      evt(out, "failed", failure_);
      done_ = true;
    } else if (std::get_if<link::LinkReleased>(&e)) {
      evt(out, "released", "link released");
      done_ = true;
    } else if (auto* dr = std::get_if<link::PduDropped>(&e)) {
      evt(out, "dropped", dr->detail);
    } else if (auto* rt = std::get_if<link::Retransmitted>(&e)) {
      evt(out, "retransmit", rt->what + " attempt " + std::to_string(rt->attempt));
    }
  }
}

}  // namespace prose::service
