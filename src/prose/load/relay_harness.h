// The relay load test's run (relay_load.h): its state and phases. Setup, servers and baselines in
// relay_setup.cpp; the emulated Remote UEs and the setup, data and release phases in relay_ues.cpp; the report in
// relay_report.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/udp_batch.h"
#include "prose/link/remote_ue.h"
#include "prose/load/echo.h"
#include "prose/load/pkmf_setup.h"
#include "prose/load/relay_load.h"
#include "prose/service/timer_queue.h"
#include "prose/testbed/process.h"

namespace prose::load {

inline constexpr std::uint32_t kRelayRsc = 0x00abcd;
inline constexpr std::uint32_t kOtherRsc = 0x00abce;  // --unauthorised UEs hold only this one
inline constexpr std::uint32_t kRelayL2 = 0x00aa01;
inline constexpr std::uint32_t kUeL2Base = 0x100000;  // Remote UE i has L2 ID kUeL2Base + i

std::string hex24(std::uint32_t v);
inline link::TimePoint link_now() { return std::chrono::time_point_cast<link::Millis>(Clock::now()); }

class RelayLoad {
 public:
  RelayLoad(RelayLoadOptions o, std::function<void(const Report&)> publish, std::ostream& err)
      : o_(std::move(o)), publish_(std::move(publish)), err_(err) {}
  int run();

 private:
  struct Ue {
    std::uint32_t l2 = 0;
    std::string imsi;
    std::uint64_t pruk_id = 0;
    SecretBytes pruk;
    std::unique_ptr<link::RemoteUe> m;
    enum class St : std::uint8_t { kIdle, kSetup, kUp, kFailed, kReleasing, kReleased } st = St::kIdle;
    Clock::time_point t_start;
  };

  int run_phases();
  void check_deadline(const char* phase);
  // relay_setup.cpp
  void setup_dir();
  void provision();
  testbed::Process start(const std::vector<std::string>& args, const std::string& log, const std::string& cwd);
  void start_pkmf();
  void start_relay();
  void baseline_handshake();
  void baseline_pkmf();
  void finish_measurements();
  // relay_ues.cpp
  void send_frame(const Ue& u, ByteView pdu);
  void flush_frames();
  link::AlgorithmPolicy algorithm_policy() const;
  void fail(std::uint32_t i, const std::string& why);
  void handle(std::uint32_t i, link::Output o);
  void pump(int max_wait_ms);
  void check_relay(const char* phase);
  void start_ue(std::uint32_t i);
  void setup_phase();
  void on_data(std::uint32_t i, const Bytes& d);
  void data_phase();
  void release_phase();
  // relay_report.cpp
  void print_relay_log_for(std::uint32_t l2);
  int report();

  RelayLoadOptions o_;
  std::function<void(const Report&)> publish_;
  std::ostream& err_;
  std::filesystem::path dir_;
  bool keep_dir_ = false, dir_created_ = false;
  std::string exe_, load_start_, load_end_;
  PkmfSetup pkmf_setup_;
  Clock::time_point deadline_;
  std::uint16_t pkmf_port_ = 0, relay_port_ = 0;
  testbed::Process pkmf_, relay_;
  EchoServer echo_;
  agents::LoopbackUdp sl_;
  agents::UdpSendBatch sl_out_{agents::kMaxFrameSize};  // the UEs' frames, sent at the start of each pump()
  agents::UdpReceiveBatch sl_in_{agents::kMaxFrameSize};
  std::vector<Ue> ues_;
  service::TimerQueue timers_;  // the UEs' link timers, owner = the UE's index
  std::size_t in_flight_ = 0, releasing_ = 0;
  std::uint64_t setup_retx_ = 0, release_retx_ = 0, rcvbuf_errors_start_ = 0, rcvbuf_errors_end_ = 0;
  InFlight relayed_flight_;
  std::vector<std::string> failures_;
  std::vector<double> setup_, base_handshake_, base_pkmf_;
  EchoStats relayed_, direct_;
  double provision_s_ = 0, setup_s_ = 0, first_setup_ = 0, base_pkmf_first_ = 0;
  std::size_t links_secured_ = 0;
  double relay_cpu_setup_ = 0, relay_cpu_data_ = 0, relay_cpu_ = 0, pkmf_cpu_setup_ = 0, pkmf_cpu_ = 0;
  long relay_rss_idle_ = -1, relay_rss_links_ = -1, relay_rss_ = -1, relay_hwm_ = -1, pkmf_rss_ = -1, pkmf_hwm_ = -1;
  std::uint64_t dropped_ = 0, frames_sent_ = 0, frames_received_ = 0, released_ = 0;
};

}  // namespace prose::load
