// The Remote UE's link setup handlers (TS 33.303 6.5.3.4, TS 24.334 10.4): the Direct Communication Request,
// the Direct Security Mode Command (KD / KD-sess derivation, GPI, capability replay check) and its answers, the
// Direct Communication Accept / Reject and T4100. The state table and entry points are in remote_ue.cpp.
#include "prose/link/remote_ue.h"

#include "prose/keys/prose_keys.h"
#include "prose/util/random.h"

namespace prose::link {

using detail::Step;

Status RemoteUe::send_dcr(Step& s) {
  PROSE_TRY(std::uint8_t msb, ids_->choose_msb());
  pc5::DirectCommunicationRequest d;
  d.sequence_number = next_seq();
  const bool with_pruk = cfg_.pruk_id.has_value() && !use_imsi_;
  d.user_info = with_pruk ? pc5::UserInfo::from_pruk_id(*cfg_.pruk_id) : pc5::UserInfo::from_imsi(cfg_.imsi);
  d.ip_address_config = cfg_.ip_address_config;
  d.maximum_inactivity_period = cfg_.maximum_inactivity_period_s;
  random_fill(d.nonce_1);
  d.ue_security_capabilities = cfg_.policy.capabilities();
  d.msb_of_kd_sess_id = msb;
  d.relay_service_code = cfg_.relay_service_code;
  PROSE_TRY_STATUS(send(s, d, nullptr));
  if (msb_reserved_) ids_->release_msb(pending_msb_);
  ids_->reserve_msb(msb);
  pending_msb_ = msb;
  msb_reserved_ = true;
  dcr_ = std::move(d);
  gpi_bytes_.clear();
  gpi_pruk_id_.reset();
  gpi_pruk_.wipe();
  timers_.retransmissions(TimerId::kT4100) = 0;
  arm(s, TimerId::kT4100);
  return ok_status();
}

Status RemoteUe::on_start(Step& s) {
  use_imsi_ = !cfg_.pruk_id.has_value() || cfg_.pruk_id_rejected_before;
  PROSE_TRY_STATUS(send_dcr(s));
  state_ = RemoteState::kWaitDsmc;
  return ok_status();
}

void RemoteUe::send_dsm_reject(Step& s, pc5::Cause cause, const std::optional<gba::GpiSyncFailure>& sync) {
  pc5::DirectSecurityModeReject r;
  r.sequence_number = s.msg ? pc5::sequence_number(*s.msg) : next_seq();
  r.cause = cause;
  if (sync) {
    r.rand = sync->rand;
    r.auts = sync->auts;
  }
  (void)send(s, r, nullptr);
}

Status RemoteUe::on_dsmc(Step& s) {
  if (s.ctx != nullptr) return fail(Errc::kState, "DSMC of an old context while a new one is expected");
  return process_new_dsmc(s);
}

Status RemoteUe::process_new_dsmc(Step& s) {
  const auto& d = std::get<pc5::DirectSecurityModeCommand>(*s.msg);
  const ids::KdSessId id = s.header->kd_sess_id;
  if (id.lsb() != d.lsb_of_kd_sess_id)
    return fail(Errc::kMalformed, "DSMC: LSB of KD-sess ID differs from the PDCP header");
  const bool setup = state_ == RemoteState::kWaitDsmc;
  const bool new_kd = setup || rekey_auth_flag_;
  const ids::Nonce1& nonce_1 = setup ? dcr_.nonce_1 : drrq_->nonce_1;
  const pc5::UeSecurityCapabilities& sent_caps =
      setup ? dcr_.ue_security_capabilities : drrq_->ue_security_capabilities;

  // 1. KD: from the (possibly new, GPI-delivered) PRUK and the KD freshness, or the current KD for a plain rekey.
  SecretBytes kd;
  std::optional<ids::PrukId> pruk_id;
  bool from_gpi = false;
  if (new_kd) {
    if (!d.kd_freshness) return fail(Errc::kMalformed, "DSMC without KD freshness where a new KD is needed");
    if (!d.msb_of_kd_id) return fail(Errc::kMalformed, "DSMC without MSB of KD ID where a new KD is needed");
    const SecretBytes* pruk = nullptr;
    if (d.gpi) {
      if (gpi_bytes_.empty() || gpi_bytes_ != *d.gpi) {
        if (!cfg_.gpi_processor) {
          send_dsm_reject(s, pc5::Cause::kLinkSetupFailureOtherErrors);
          return fail(Errc::kUnsupported, "DSMC carries a GPI but no GPI processor is configured");
        }
        auto r = cfg_.gpi_processor(*d.gpi);
        if (!r) {
          send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
          return fail(r.error().code, "GPI processing failed: " + r.error().to_string());
        }
        if (r->sync_failure) {
          send_dsm_reject(s, pc5::Cause::kAuthenticationSynchronisationError, r->sync_failure);
          return ok_status();  // the relay resynchronises through the PKMF and sends a new DSMC
        }
        if (!r->accepted) return fail(Errc::kInternal, "GPI processor returned no outcome");
        gpi_bytes_ = *d.gpi;
        gpi_pruk_id_ = r->accepted->pruk_id;
        gpi_pruk_ = std::move(r->accepted->pruk);
        s.out.events.emplace_back(NewPruk{*gpi_pruk_id_, gpi_pruk_.clone()});
      }
      pruk = &gpi_pruk_;
      pruk_id = gpi_pruk_id_;
      from_gpi = true;
    } else {
      if (!pruk_id_) {
        send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
        return fail(Errc::kNotFound, "DSMC without GPI and this UE holds no PRUK");
      }
      pruk = &pruk_;
      pruk_id = pruk_id_;
      from_gpi = pruk_from_gpi_;
    }
    PROSE_TRY(kd, keys::derive_kd(pruk->view(), *d.kd_freshness));
  } else {
    kd = kd_->kd.clone();
    pruk_id = kd_->pruk_id;
    from_gpi = kd_->pruk_from_gpi;
  }

  // 2. Chosen algorithms: within our policy, never EIA0.
  auto algs = AlgorithmPair::from_wire(d.chosen_algorithms);
  if (!algs || !cfg_.policy.accepts(*algs)) {
    send_dsm_reject(s, pc5::Cause::kUeSecurityCapabilitiesMismatch);
    return fail(Errc::kDenied, "DSMC chose algorithms our policy refuses (EIA0 is never accepted)");
  }

  // 3. The new context and the DSMC's MAC-I (integrity protected with the new context, not ciphered).
  PROSE_TRY(SessionContext ctx,
            SessionContext::derive(*be_, Role::kRemoteUe, kd.view(), nonce_1, d.nonce_2, id, *algs, sopt_));
  auto verified = ctx.unprotect_signalling(s.pdu, kModeIntegrity);
  if (!verified) {
    if (verified.error().code == Errc::kAuthFailed) send_dsm_reject(s, pc5::Cause::kAuthenticationFailure);
    return fail(verified.error().code, "DSMC: " + verified.error().to_string());
  }

  // 4. Authentic from here. Bidding-down protection: the replayed capabilities must equal what we sent.
  if (!(d.ue_security_capabilities == sent_caps)) {
    send_dsm_reject(s, pc5::Cause::kUeSecurityCapabilitiesMismatch);
    if (setup) {
      fail_setup(s, pc5::Cause::kUeSecurityCapabilitiesMismatch, false,
                 "DSMC replayed UE security capabilities differ from the DCR (bidding down)");
      return ok_status();
    }
    s.out.events.emplace_back(SetupFailed{pc5::Cause::kUeSecurityCapabilitiesMismatch, false,
                                          "rekey DSMC replayed capabilities differ from the DRRq (bidding down)"});
    return begin_release(s, pc5::ReleaseReason::kNoLongerAllowed, ReleaseCause::kLocal);
  }
  PROSE_TRY_STATUS(ids_->claim(id));

  std::optional<KdState> new_kd_state;
  pc5::DirectSecurityModeComplete c;
  c.sequence_number = d.sequence_number;
  if (new_kd) {
    std::uint16_t lsb = 0;
    while (lsb == 0) lsb = static_cast<std::uint16_t>(random_u32());
    c.lsb_of_kd_id = lsb;
    new_kd_state = KdState{std::move(kd), ids::make_kd_id(*d.msb_of_kd_id, lsb), pruk_id, from_gpi};
  }
  auto sent = send(s, c, &ctx);
  if (!sent) {
    ids_->release(id);
    return sent;
  }

  // 5. Commit. A PRUK delivered by this DSMC's GPI is the one this machine holds from now on.
  ids_->release_msb(pending_msb_);
  msb_reserved_ = false;
  if (new_kd_state) kd_ = std::move(new_kd_state);
  if (new_kd && d.gpi) {
    pruk_id_ = gpi_pruk_id_;
    pruk_ = gpi_pruk_.clone();
    pruk_from_gpi_ = true;
  }
  if (setup) {
    current_ = std::move(ctx);
    state_ = RemoteState::kWaitDca;  // T4100 keeps running until the DCA
  } else {
    if (previous_) ids_->release(previous_->kd_sess_id());
    previous_ = std::move(current_);
    current_ = std::move(ctx);
    cancel(s, TimerId::kRekey);
    count_rekey_started_ = false;
    state_ = RemoteState::kEstablished;
    s.out.events.emplace_back(LinkSecured{current_->kd_sess_id(), kd_->kd_id, current_->algorithms(), kd_->pruk_id,
                                          kd_->pruk_from_gpi, true});
  }
  last_dsm_complete_ = c;
  last_dsmc_ = d;
  return ok_status();
}

Status RemoteUe::on_dsmc_retransmission(Step& s) {
  // The relay did not get our DSM Complete and sent the same DSMC again (integrity protected with the context we
  // derived from it, a new COUNT): answer again with the same DSM Complete as a new PDU of that context. No keys
  // are derived again; anything but the identical DSMC is dropped.
  if (s.ctx == nullptr || s.ctx != &*current_ || !last_dsm_complete_) return fail(Errc::kState, "unexpected DSMC");
  const auto& d = std::get<pc5::DirectSecurityModeCommand>(*s.msg);
  if (d.nonce_2 != current_->nonce_2()) return fail(Errc::kReplay, "DSMC of another exchange under this context");
  if (!last_dsmc_ || !(d == *last_dsmc_))
    return fail(Errc::kReplay, "DSMC differs from the one answered under this context");
  return resend(s, *last_dsm_complete_, &*current_);
}

Status RemoteUe::on_dca(Step& s) {
  if (const auto* dca = s.msg ? std::get_if<pc5::DirectCommunicationAccept>(&*s.msg) : nullptr)
    relay_ip_address_config_ = dca->ip_address_config;
  cancel(s, TimerId::kT4100);
  state_ = RemoteState::kEstablished;
  last_rx_ = s.now;
  keepalive_counter_ = 0;
  arm(s, TimerId::kT4102);
  s.out.events.emplace_back(
      LinkSecured{current_->kd_sess_id(), kd_->kd_id, current_->algorithms(), kd_->pruk_id, kd_->pruk_from_gpi, false});
  return ok_status();
}

Status RemoteUe::on_dca_again(Step& s) {
  // Authentic (protected with the current context) but late: the relay resent its DCA for a DCR or DSM Complete
  // we retransmitted before its first DCA arrived. Setup-only: after a rekey a DCA is not expected.
  if (s.ctx != &*current_ || drrq_) return fail(Errc::kState, "DCA outside link setup");
  return ok_status();
}

Status RemoteUe::on_dcrj(Step& s) {
  const auto& r = std::get<pc5::DirectCommunicationReject>(*s.msg);
  if (r.sequence_number != dcr_.sequence_number) return fail(Errc::kReplay, "DCRj for another DCR");
  if (state_ == RemoteState::kWaitDca) {
    // The relay gave up after our DSM Complete (e.g. its T4111 retransmissions ran out): the setup has failed.
    fail_setup(s, r.cause, true, "relay rejected the link setup after the DSM Complete");
    return ok_status();
  }
  const bool sent_pruk_id = dcr_.user_info.type == pc5::UserInfoType::kPrukId;
  if (r.cause == pc5::Cause::kAuthenticationFailure && sent_pruk_id) {
    // Step 3 of the requirement: the PRUK ID was not recognised -> the IMSI from now on for this relay.
    s.out.events.emplace_back(PrukIdRejected{dcr_.user_info.pruk_id});
    use_imsi_ = true;
    cancel(s, TimerId::kT4100);
    return send_dcr(s);
  }
  fail_setup(s, r.cause, true, "relay rejected the Direct Communication Request");
  return ok_status();
}

Status RemoteUe::on_t4100(Step& s) {
  // The same DCR (same Nonce_1): the relay recognises the retransmission and resends its DSMC or DCA.
  PROSE_TRY(bool again, retransmit_on_expiry(s, TimerId::kT4100, dcr_, nullptr));
  if (!again) fail_setup(s, pc5::Cause::kLinkSetupFailureOtherErrors, false, "T4100 expired: no answer from the relay");
  return ok_status();
}

}  // namespace prose::link
