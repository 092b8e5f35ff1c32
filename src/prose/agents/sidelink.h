// The emulated PC5 sidelink (docs/agents.md): PC5 frames (frame.h) over UDP on loopback to every peer, with the
// test knobs loss, delay and jitter, and the CAP/PC5 trace lines of each frame sent.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "prose/agents/agents.h"
#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/udp_batch.h"
#include "prose/link/io.h"
#include "prose/service/discovery_actions.h"

namespace prose::agents {

class DelayLine;

class Sidelink {
 public:
  explicit Sidelink(SidelinkConfig c);
  ~Sidelink();
  Status open();
  // The frame goes to every peer (the shared sidelink) but is one transmission: it is captured once, addressed to
  // the port its destination L2 ID was last heard from (else the first peer).
  // With batching on, frames wait in an outbox until flush() (or until it is full) and leave in one sendmmsg.
  void send(std::uint32_t src, std::uint32_t dst, ByteView pdu);
  std::optional<Frame> recv();
  // The frames queued on the socket, up to kUdpBatchSlots of them in one recvmmsg, into `out` (cleared first);
  // undecodable datagrams are skipped. The views stay valid until the next receive(). False when the socket's queue
  // was empty by the end of the call (nothing more to read now).
  bool receive(std::vector<FrameView>& out);
  void set_batching(bool on) { batching_ = on; }
  void flush();
  int fd() const { return udp_.fd(); }

 private:
  void transmit(std::uint16_t port, ByteView frame);

  SidelinkConfig cfg_;
  LoopbackUdp udp_;
  bool batching_ = false;
  std::unique_ptr<UdpReceiveBatch> in_;  // made on first use
  std::unique_ptr<UdpSendBatch> out_;
  std::map<std::uint32_t, std::uint16_t> ports_;  // L2 ID -> the UDP port its frames came from (capture only)
  std::unique_ptr<DelayLine> delay_;              // after udp_: destroyed (thread joined) before the socket closes
};

// One PDU; with capture on, a PC5 signalling message (type != 0) is also traced as PC5|<src>|<dst>|<name>, and the
// lines that led to it are flushed before it leaves (prose demo's trace keeps the causal order).
void send_pdu(Sidelink& sl, std::uint32_t src, std::uint32_t dst, ByteView pdu, std::uint8_t type);
// Every PDU of a link machine's output, in order.
void send_pdus(Sidelink& sl, std::uint32_t src, std::uint32_t dst, const link::Output& o);
// Carries out a discovery service's actions in order (prose/service/discovery_actions.h): the trace entries, and the
// discovery PDUs sent from `src`; the lines that led to a PDU for one UE (a Model B response) are out before it.
void run_discovery_actions(Sidelink& sl, std::uint32_t src, service::DiscoveryActions actions);

}  // namespace prose::agents
