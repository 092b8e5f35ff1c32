// MIKEY PRUK delivery over UDP (docs/profile.md section 4): sends each I_MESSAGE to the UE address from its
// latest Key Request, retransmits with exponential back-off until the UE's verification message (R_MESSAGE)
// arrives on the same socket or the attempts run out, and passes verification messages to the PKMF service.
// Caps what it can be made to send (issue 17 defect 4): all datagrams a second, and retransmissions a minute per UE;
// a send over a cap is dropped, counted, and otherwise treated as lost.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "prose/pkmf/metrics.h"
#include "prose/pkmf/policy.h"
#include "prose/pkmf/providers.h"
#include "prose/util/rate_limit.h"

namespace prose::pkmf {

class UdpMikeySender final : public MikeySink {
 public:
  using OnVerification = std::function<Result<std::string>(ByteView r_message)>;
  using OnAbandoned = std::function<void(std::uint32_t csb_id)>;
  using OnProgress = std::function<void(const std::vector<MikeyProgress>&)>;

  UdpMikeySender(const Policy& policy, Metrics& metrics);
  ~UdpMikeySender() override;

  // Binds the UDP socket (port 0 = ephemeral) and starts the thread. Returns the bound port. The callbacks run on
  // the sender's thread, never under its lock. The first send of a job is not reported to on_progress (whoever made
  // the job counted it); every later one is.
  Result<std::uint16_t> start(const std::string& bind_address, std::uint16_t port, OnVerification on_verification,
                              OnAbandoned on_abandoned, OnProgress on_progress = {});
  void stop();
  void send(MikeyJob job) override;
  std::size_t in_flight() const;

 private:
  struct Flight {
    MikeyJob job;
    unsigned attempts = 0;
    std::int64_t next_ms = 0;  // steady clock
  };
  void run();
  void transmit(Flight& f, std::int64_t now);
  // False (and counted) when a cap forbids this send of `f` now.
  bool within_caps(const Flight& f, std::int64_t now);

  Policy policy_;
  Metrics& metrics_;
  OnVerification on_verification_;
  OnAbandoned on_abandoned_;
  OnProgress on_progress_;
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::uint32_t, Flight> flights_;  // by CSB ID
  LogRateLimiter ignored_log_{1000};         // the sender thread's only
  // The caps, the sender thread's only: every send, and retransmissions per UE (by IMSI; a bucket that has refilled
  // is dropped, so there is one only for a UE retransmitted to in the last minute).
  std::optional<TokenBucket> all_sends_;
  std::map<std::string, TokenBucket> ue_retransmissions_;
  LogRateLimiter dropped_log_{1000};
  std::int64_t next_prune_ms_ = 0;
};

}  // namespace prose::pkmf
