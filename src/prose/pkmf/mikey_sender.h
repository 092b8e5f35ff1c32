// MIKEY PRUK delivery over UDP (docs/profile.md section 4): sends each I_MESSAGE to the UE address from its
// latest Key Request, retransmits with exponential back-off until the UE's verification message (R_MESSAGE)
// arrives on the same socket or the attempts run out, and passes verification messages to the PKMF service.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "prose/pkmf/metrics.h"
#include "prose/pkmf/policy.h"
#include "prose/pkmf/providers.h"
#include "prose/util/rate_limit.h"

namespace prose::pkmf {

class UdpMikeySender final : public MikeySink {
 public:
  using OnVerification = std::function<Result<std::string>(ByteView r_message)>;
  using OnAbandoned = std::function<void(std::uint32_t csb_id)>;

  UdpMikeySender(const Policy& policy, Metrics& metrics);
  ~UdpMikeySender() override;

  // Binds the UDP socket (port 0 = ephemeral) and starts the thread. Returns the bound port.
  Result<std::uint16_t> start(const std::string& bind_address, std::uint16_t port, OnVerification on_verification,
                              OnAbandoned on_abandoned);
  void stop();
  void send(MikeyJob job) override;
  std::size_t in_flight() const;

 private:
  struct Flight {
    MikeyJob job;
    unsigned attempts = 0;
    std::int64_t next_ms = 0;  // steady clock
    unsigned backoff_ms = 0;
  };
  void run();
  void transmit(Flight& f);

  Policy policy_;
  Metrics& metrics_;
  OnVerification on_verification_;
  OnAbandoned on_abandoned_;
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::uint32_t, Flight> flights_;  // by CSB ID
  LogRateLimiter ignored_log_{1000};         // the sender thread's only
};

}  // namespace prose::pkmf
