// The UE-to-Network Relay's protocol logic without I/O (docs/architecture.md "Service layer"): one link machine
// (prose/link Relay) per Remote UE, their timers and the PC8 Key Requests for KD. The relay agent feeds it PC5
// frames, upstream datagrams, PC8 results and the time, and carries out the returned actions in order. Nothing in
// here reads a clock, opens a socket or starts a thread.
//
// Actions that need an answer: OpenUpstream (answer with upstream_opened() or upstream_failed() before the next
// action) and RequestKd (answer with on_kd_response() whenever the PKMF answered; a reply for a link that is gone
// or asked again meanwhile is dropped).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "prose/keylog/keylog.h"
#include "prose/link/relay.h"
#include "prose/pc8/messages.h"
#include "prose/service/relay_ip.h"
#include "prose/service/timer_queue.h"
#include "prose/service/trace.h"
#include "prose/util/result.h"

namespace prose::service {

struct RelayServiceConfig {
  std::string name = "relay";
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  std::uint16_t upstream_port = 0;  // for the trace only
  bool export_link_keys = false;    // ExportLinkKeys actions (the PC5 key log is on)
  bool trace_user_data = true;      // a TraceMessage per user datagram carried, in each direction
  // The links' ciphering preference, most preferred first (empty: link::AlgorithmPolicy's default).
  std::vector<cipher::Eea> ciphering;
};

// A PDU on PC5 to the Remote UE `dst`; `type` is the PC5 signalling message type it carries, 0 for user data.
struct Transmit {
  std::uint32_t dst = 0;
  Bytes pdu;
  std::uint8_t type = 0;
};
// The link needs its upstream socket (before its first KD request).
struct OpenUpstream {
  std::uint32_t l2 = 0;
};
struct CloseUpstream {
  std::uint32_t l2 = 0;
};
struct SendUpstream {
  std::uint32_t l2 = 0;
  Bytes data;
};
// A PC8 Key Request; `request` names it in on_kd_response().
struct RequestKd {
  std::uint64_t request = 0;
  std::uint32_t l2 = 0;
  pc8::Request pc8;
};
// IP mode (enable_ip): an IP packet from the Remote UE `l2` for the network side (the relay's TUN).
struct ToNetwork {
  std::uint32_t l2 = 0;
  Bytes packet;
};
// A link (or rekeyed context) is secured: its keys for the PC5 key log.
struct ExportLinkKeys {
  keylog::LinkKeys keys;
};
using RelayAction = std::variant<Transmit, TraceMessage, TraceEvent, OpenUpstream, CloseUpstream, SendUpstream,
                                 RequestKd, ExportLinkKeys, ToNetwork>;
using RelayActions = std::vector<RelayAction>;

class RelayService {
 public:
  explicit RelayService(RelayServiceConfig cfg);

  // IP mode (docs/ip.md): the links' user data are IP packets routed by the relay's IP plane (RelayIp) instead of
  // datagrams to one upstream socket per link: no OpenUpstream, the DCA carries the IP Address Config, uplink
  // packets become ToNetwork (or DHCPv4 answers, or traced drops), on_network() routes packets to the links.
  // Before the first frame; kInvalidArgument for a pool too small.
  Status enable_ip(const RelayIpConfig& cfg);
  const RelayIp* ip() const { return ip_.get(); }
  // A packet from the network side (IP mode): protected as an IP SDU to the Remote UE it is addressed to.
  RelayActions on_network(link::TimePoint now, ByteView packet);

  // A PC5 frame from `src` to `dst` (frames not addressed to this relay are ignored).
  RelayActions on_frame(link::TimePoint now, std::uint32_t src, std::uint32_t dst, ByteView pdu);
  RelayActions upstream_opened(link::TimePoint now, std::uint32_t l2);
  RelayActions upstream_failed(link::TimePoint now, std::uint32_t l2, const std::string& reason);
  // A datagram from upstream for the Remote UE `l2`.
  RelayActions on_upstream(link::TimePoint now, std::uint32_t l2, ByteView datagram);
  RelayActions on_kd_response(link::TimePoint now, std::uint64_t request, const Result<pc8::Response>& response);
  // The timers due at `now`.
  RelayActions on_time(link::TimePoint now);
  // The links that ended since the last sweep are forgotten (their upstream sockets close).
  RelayActions sweep();

  std::optional<link::TimePoint> next_deadline() const { return timers_.earliest(); }
  std::uint64_t bytes_up() const { return bytes_up_; }
  std::uint64_t bytes_down() const { return bytes_down_; }
  std::size_t links() const { return peers_.size(); }
  const link::Relay* machine(std::uint32_t l2) const;

 private:
  struct Peer {
    std::unique_ptr<link::Relay> machine;
    bool upstream = false;             // its upstream socket is open
    std::optional<link::NeedKd> need;  // waiting for OpenUpstream's answer
    std::uint64_t kd_request = 0;      // the PC8 request this link waits for (0: none)
    bool dead = false;
    std::string reject_reason;  // why the relay itself rejected the DCR (logged instead of the machine's detail)
  };
  using Peers = std::map<std::uint32_t, Peer>;

  void handle(RelayActions& out, link::TimePoint now, std::uint32_t l2, link::Output o);
  void erase_peer(RelayActions& out, Peers::iterator it);
  void on_ip_sdu(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p, Bytes sdu);
  void send_router_advertisement(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p, Bytes ra);
  void mark_dead(std::uint32_t l2, Peer& p);
  link::Output reject(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p, pc5::Cause cause);
  void request_kd(RelayActions& out, std::uint32_t l2, Peer& p, const link::NeedKd& n);
  link::Output kd_outcome(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p,
                          const Result<pc8::Response>& resp);
  void msc(RelayActions& out, std::string from, std::string to, std::string text) const;
  void evt(RelayActions& out, std::string name, std::string text) const;

  RelayServiceConfig cfg_;
  std::shared_ptr<link::KdSessIdRegistry> ids_;
  Peers peers_;
  TimerQueue timers_;                // the timers of every link in peers_
  std::vector<std::uint32_t> dead_;  // links marked dead since the last sweep
  std::uint64_t next_request_ = 1;
  std::map<std::uint64_t, std::uint32_t> requests_;  // PC8 requests not yet answered -> the link that asked
  std::uint64_t bytes_up_ = 0, bytes_down_ = 0;
  std::unique_ptr<RelayIp> ip_;  // IP mode
};

}  // namespace prose::service
