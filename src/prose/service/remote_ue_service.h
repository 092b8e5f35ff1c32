// The Remote UE's protocol logic without I/O (docs/architecture.md "Service layer"): the PRUK Key Request and the
// MIKEY deliveries that answer it, the key store and its rules, the PC5 link to the relay (prose/link RemoteUe)
// with its timers, the fallback from a rejected PRUK ID to the IMSI and the policy for trying a setup again. The
// Remote UE agent feeds it PC8 results, MIKEY datagrams, PC5 frames, application datagrams and the time, and carries
// out the returned actions in order. Nothing in here reads a clock, opens a socket or touches a file. IP mode (DHCPv4
// client, Router Solicitation/Advertisement, the link's IP SDUs) is in remote_ue_ip.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "prose/crypto/milenage.h"
#include "prose/ip/dhcpv4_client.h"
#include "prose/link/remote_ue.h"
#include "prose/mikey/delivery.h"
#include "prose/pc8/messages.h"
#include "prose/service/key_store.h"
#include "prose/service/relay_service.h"
#include "prose/service/timer_queue.h"
#include "prose/service/trace.h"
#include "prose/util/result.h"

namespace prose::service {

struct RemoteUeServiceConfig {
  std::string name = "ue";
  std::string imsi;
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  // The emulated USIM (required): the agent's, which also bootstraps over Ub (GBA), so that GBA Push and GBA
  // bootstrapping share one SQN space; K and OPc stay inside it. Used on the caller's thread only.
  std::shared_ptr<crypto::Usim> usim;
  std::string impi;       // the IMPI for GBA Push
  std::string pkmf_fqdn;  // the key store's and MIKEY's name of the PKMF
  bool mikey_accept_rfc3830_defaults = false;
  // A Direct Rekeying Request after every N application datagrams (IP mode: IP packets) on one KD-sess (0: never).
  std::uint32_t rekey_every = 0;
  bool rekey_auth = false;
  bool export_link_keys = false;
  // IP mode (docs/ip.md): once the link is secured the UE runs its DHCPv4 client over it (ApplyLease when bound);
  // afterwards send_data() takes IP packets and DeliverToApp gives them, without a trace line per packet.
  bool ip = false;
};

// The key store changed: persist it before anything else happens.
struct SaveKeyStore {};
// A MIKEY R_MESSAGE to the UDP port the I_MESSAGE came from.
struct SendMikey {
  std::uint16_t port = 0;
  Bytes message;
};
// User data from the relay for the application.
struct DeliverToApp {
  Bytes data;
};
// IP mode: the DHCPv4 client is bound; configure the UE's interface with the lease.
struct ApplyLease {
  ip::dhcpv4::Lease lease;
};
// IP mode: the relay advertised a /64 (Router Advertisement); put this address on the UE's interface.
struct ApplyIpv6 {
  ip::Ipv6Address address;
  std::uint8_t prefix_length = 64;
  bool default_router = false;  // the RA's router lifetime is not 0: the relay is a default router (RFC 4861 6.3.4)
};
using RemoteUeAction = std::variant<Transmit, TraceMessage, TraceEvent, SaveKeyStore, SendMikey, DeliverToApp,
                                    ExportLinkKeys, ApplyLease, ApplyIpv6>;
using RemoteUeActions = std::vector<RemoteUeAction>;

class RemoteUeService {
 public:
  static Result<std::unique_ptr<RemoteUeService>> create(RemoteUeServiceConfig cfg, KeyStore store);

  const KeyStore& store() const { return store_; }

  // ---- PRUK provisioning (PC8 Key Request, MIKEY) -----------------------------------------------------------
  // The Key Request for PRUK delivery (start or stop) with the UE's MIKEY address and the PRUK IDs held.
  pc8::Request key_request(RemoteUeActions& out, pc8::PrukDelivery delivery, std::uint16_t mikey_port);
  // Its answer: kIo when the PKMF could not be reached, kDenied when it refused, kMalformed for an answer that does
  // not fit. A grant stores the Key Type ID and PMK (SaveKeyStore) and readies the MIKEY receiver for them.
  Status on_key_response(RemoteUeActions& out, pc8::PrukDelivery delivery, const Result<pc8::Response>& response);
  // A MIKEY datagram on the UE's MIKEY port `local_port` from `from_port`, at NTP time `t`.
  RemoteUeActions on_mikey(link::TimePoint now, ByteView message, std::uint16_t from_port, std::uint16_t local_port,
                           mikey::NtpTime t);
  bool delivery_on() const { return delivery_on_; }
  // A Key Request (PRUK delivery start) is due at `key_request_due()`: after the all-zero PRUK ID trigger, an
  // address change, or to retry one the PKMF could not be reached for.
  std::optional<link::TimePoint> key_request_due() const { return key_request_due_; }
  void schedule_key_request(std::optional<link::TimePoint> at) { key_request_due_ = at; }
  // The scheduled Key Request's outcome: done, retried in a second (kIo), or given up (logged).
  RemoteUeActions key_request_done(link::TimePoint now, const Status& st);

  // ---- The link to the relay --------------------------------------------------------------------------------
  // A new link machine and its Direct Communication Request to `relay_l2`: with the newest PRUK ID, or the IMSI when
  // there is none or the relay did not recognise it before.
  Result<RemoteUeActions> start_link(link::TimePoint now, std::uint32_t relay_l2);
  // A PC5 frame (only those from the relay to this UE are taken).
  RemoteUeActions on_frame(link::TimePoint now, std::uint32_t src, std::uint32_t dst, ByteView pdu);
  RemoteUeActions on_time(link::TimePoint now);
  // An application datagram (IP mode: an IP packet); a Direct Rekeying Request follows every `rekey_every` of them.
  RemoteUeActions send_data(link::TimePoint now, ByteView datagram);
  // Release an established link (the agent stops).
  RemoteUeActions release(link::TimePoint now);
  std::optional<link::TimePoint> next_deadline() const;
  // IP mode: the lease the link's DHCPv4 client is bound with.
  std::optional<ip::dhcpv4::Lease> lease() const;
  // IP mode: the IPv6 address formed from the relay's Router Advertisement (its /64 + the interface identifier of
  // this UE's layer-2 ID, as the relay's Ipv6Plan has it).
  std::optional<ip::Ipv6Address> ipv6_address() const { return ipv6_; }
  // IP mode: a DHCPDISCOVER without an answer is sent again after this long.
  static constexpr link::Millis kDhcpRetry{2000};

  // The attempt ended: setup failed or the link was released.
  bool link_done() const { return done_; }
  // Why the last attempt failed ("" when it did not).
  const std::string& failure() const { return failure_; }
  // A setup that failed locally (timers ran out, e.g. a lost Direct Security Mode Complete) is tried again from a
  // new Direct Communication Request, at most kSetupAttempts times; a reject from the relay is final, and so is the
  // end of a link that was once secured.
  static constexpr int kSetupAttempts = 3;
  bool try_again(int attempts_made) const;
  const link::RemoteUe* machine() const { return ue_.get(); }
  bool pruk_id_rejected() const { return pruk_id_rejected_; }
  std::uint64_t bytes_up() const { return bytes_up_; }
  std::uint64_t bytes_down() const { return bytes_down_; }

 private:
  RemoteUeService(RemoteUeServiceConfig cfg, KeyStore store, std::shared_ptr<crypto::Usim> usim);
  void handle(RemoteUeActions& out, link::Output o);
  void on_new_pruk(RemoteUeActions& out, link::NewPruk& n);
  void on_ip_sdu(RemoteUeActions& out, Bytes sdu);
  void on_router_advertisement(RemoteUeActions& out, ByteView packet);
  void ip_step(RemoteUeActions& out, link::TimePoint now);
  void dhcp_step(RemoteUeActions& out, link::TimePoint now);

  RemoteUeServiceConfig cfg_;
  KeyStore store_;
  std::shared_ptr<crypto::Usim> usim_;
  std::unique_ptr<mikey::Receiver> mikey_rx_;
  std::uint64_t mikey_pmk_id_ = 0;
  std::uint32_t mikey_key_type_ = 0;
  Bytes last_i_message_, last_r_message_;
  bool delivery_on_ = false;  // the PKMF was asked to deliver PRUKs and not told to stop
  std::optional<link::TimePoint> key_request_due_;

  std::unique_ptr<link::RemoteUe> ue_;
  TimerQueue timers_;  // the link's timers (owner 0)
  std::uint32_t relay_l2_ = 0;
  bool pruk_id_rejected_ = false;
  bool failed_by_peer_ = false;
  bool ever_secured_ = false;
  bool done_ = false;
  std::string failure_;
  std::uint64_t bytes_up_ = 0, bytes_down_ = 0;
  std::uint64_t datagrams_ = 0;  // application datagrams since the link was (re)keyed
  // IP mode: the link's DHCPv4 client (from the link secured on), the packets it has to send, its retry time.
  std::unique_ptr<ip::dhcpv4::Client> dhcp_;
  std::vector<Bytes> dhcp_out_;
  std::optional<link::TimePoint> dhcp_retry_at_;
  bool no_dhcpv4_ = false;  // the relay's DCA said it is no DHCPv4 server (reported once)
  bool rs_sent_ = false;    // the Router Solicitation of this link (the DCA said the relay is an IPv6 router)
  std::optional<ip::Ipv6Address> ipv6_;
  link::TimePoint now_{};  // the time of the frame being handled (a DHCPACK starts the lease's clock then)
};

}  // namespace prose::service
