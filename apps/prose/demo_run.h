// `prose demo` (docs/demo.md): the whole requirement end to end as separate processes on loopback. One class, its
// parts in files of one job each:
//   demo_setup.cpp     the network functions: HSS/BSF, PKMF and ProSe Function, the capture taps, the UDP echo server
//   demo_configs.cpp   the TLS part of the servers' and agents' configurations: GBA (default) or certificates
//   demo_flow.cpp      the three phases of the flow and the checks between them
//   demo_children.cpp  the agents' processes: starting, stopping, reading their lines
//   demo_trace.cpp     the trace: the agents' lines and the Diameter messages in time order, the captures
//   demo_summary.cpp   the summary, demo.pcap, the sequence chart (demo.html) and the --json object
//   demo_ip.cpp        --ip: the namespaces, the veth pair and the upstream HTTP server (demo_ip.h)
//   demo_ip_flow.cpp   --ip: the agents' [ip] sections, ping and the download through the relay
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "demo_ip.h"
#include "demo_tap.h"
#include "prose/testbed/process.h"
#include "prose/util/bytes.h"

namespace prose::cli::demo {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Registered ports the capture shows the servers on (the taps map the real ports to these).
constexpr std::uint16_t kHttpsPort = 443;      // PC3 and PC8 over TLS (IANA https)
constexpr std::uint16_t kDiameterPort = 3868;  // IANA diameter
constexpr std::uint16_t kHttpPort = 80;        // Ub (HTTP Digest AKA) to the BSF

// How the agents authenticate to the ProSe Function and the PKMF (`prose demo --tls`).
enum class TlsMode {
  kGba,          // GBA: Ub bootstrap with the BSF, PSK-TLS with the B-TID (the PKMF takes Ks_NAF over Zn)
  kCertificate,  // client certificates of the demo's test PKI
};

class Demo {
 public:
  // ip: `prose demo --ip` (root; the caller checked ip_demo_unavailable() and called catch_stop_signals()).
  Demo(fs::path out, bool json, TlsMode tls, bool ip = false)
      : out_(std::move(out)), json_(json), tls_(tls), ip_mode_(ip), os_(json ? std::cerr : std::cout) {
    tr_ = json ? stderr : stdout;
    // Only names here (the process ID in each): the namespaces are made by ip_setup().
    if (ip) ip_ = std::make_unique<IpNet>(static_cast<int>(::getpid()), ues_.size());
  }
  ~Demo() {
    stop_all();
    ip_.reset();  // after the agents: their TUN devices keep the namespaces alive
    hss_tap_.reset();
    https_tap_.reset();
    ub_tap_.reset();
  }

  // 0 when every step worked (and, with --json, the summary says so).
  int main();

 private:
  // A line of the trace: a message (from -> to) or an agent's event (from = to = the agent, name = the event).
  struct Traced {
    double t = 0;
    std::string step, from, to, text;
    bool event = false;
    std::string name;
  };
  // A trace line waiting to be printed in time order: an agent's MSC/EVT line or a Diameter message.
  struct Pending {
    std::int64_t us = 0;
    std::string who, line;
    std::optional<Traced> diameter;
  };
  struct Child {
    testbed::Process process;
    int fd = -1;  // its stdout (piped agents)
    std::string name;
    int log = -1;  // <name>.log: the agent's lines (the demo writes them there as it reads them)
  };
  // What the run established for one Remote UE, from the agents' events.
  struct UeResult {
    std::optional<std::string> pruk_delivery, pruk_id, pruk_fp, relay_kd_fp, ue_kd_fp, kd_id, kd_sess_id, discovered;
    bool kd_equal() const { return relay_kd_fp && ue_kd_fp && *relay_kd_fp == *ue_kd_fp; }
  };
  struct StepResult {
    std::size_t messages = 0;
    double first = 0, last = 0;
  };
  struct Ue {
    std::string name, imsi;
    std::uint32_t l2;
    std::string k, opc;
    std::uint16_t sl_port = 0, app_port = 0;
  };
  struct Event {
    std::string who, name, text;
  };
  struct Captured {
    std::int64_t us;  // when it was sent (sender's clock)
    Bytes frame;
  };
  // --ip: a Remote UE's ping of the upstream host, and its download from there.
  struct PingResult {
    std::string ue, address;
    int sent = 0, received = 0;
    double min = 0, avg = 0, max = 0;  // ms
    bool ok = false;
  };
  struct DownloadResult {
    std::string ue, url, sha256;
    std::uint64_t bytes = 0;
    double seconds = 0;
    bool sha256_ok = false, ok = false;
  };

  // ---- the flow (demo_flow.cpp) ----
  bool step_fail(const std::string& m);
  bool phase1();
  bool phase2();
  bool phase3();
  void start_ue(const Ue& u, bool provision, const std::string& model);
  bool data_through(const Ue& u);
  bool seen(const std::string& who, const std::string& name) const;
  bool seen_text(const std::string& who, const std::string& name, const std::string& part) const;
  bool wait_evt(const std::string& who, const std::string& name, int seconds);
  void phase_end(const std::string& name);

  // ---- --ip (demo_ip_flow.cpp) ----
  bool ip_setup();
  void ip_teardown();
  // The agent's [ip] section ("" without --ip).
  std::string ip_section(const std::string& netns, bool relay) const;
  // Waits for the Remote UE's lease and route, pings the upstream host from its namespace and, with `download`,
  // fetches the blob with curl and checks its SHA-256.
  bool ip_data(const Ue& u, bool download);
  // Runs argv to its end (at most `seconds`), its output in out_/log, reading the agents' lines meanwhile; stops it
  // early on SIGINT/SIGTERM. Its exit code (-1: killed or not started) and output.
  std::pair<int, std::string> run_watched(std::vector<std::string> argv, const std::string& log, int seconds);
  // "stopped by SIGTERM" once a stop signal came, else "".
  std::string stop_reason() const;
  std::string download_line() const;

  // ---- the network functions (demo_setup.cpp) ----
  bool must(const std::vector<std::string>& args, const std::string& what);
  bool setup();

  // ---- the TLS part of the configurations (demo_configs.cpp) ----
  bool gba() const { return tls_ == TlsMode::kGba; }
  const char* tls_name() const { return gba() ? "gba" : "certificate"; }
  // GBA: the HSS/BSF serves Ub (through the demo's tap) and holds the relay's subscription.
  bool setup_bsf(const fs::path& hss_config);
  // GBA: the PKMF's [tls] in gba mode, the relay's IMSI mapped to relay r1.
  bool setup_pkmf_tls(const std::string& pkmf_config);
  // The agents know only the ProSe Function's address (and their TLS files, or with GBA the BSF's address and their
  // USIM): the PKMF address, the discovery settings and, from the PKMF, the discovery keys come from there.
  // `base` names the agent's certificate (relay-r1, ue-<IMSI>); the relay's USIM is the demo's relay subscription.
  std::string prose_function_section(const std::string& base);
  std::string sidelink(std::uint16_t port, std::vector<std::uint16_t> peers);
  std::uint16_t start_echo();

  // ---- the agents' processes (demo_children.cpp) ----
  void start(const std::string& name, std::vector<std::string> args, bool piped);
  void stop_all();
  // Reads whatever the agents printed (non-blocking): captures and PC5 lines at once, message and event lines into
  // the trace in the order the agents wrote them. Each agent stamps its lines (PROSE_LINE_TIMES) and flushes them
  // before the message they lead to leaves, so every line written before this call started is read by it: those
  // are printed, in time order with the Diameter messages the tap saw; later ones wait for the next call.
  void drain(int wait_ms = 0);
  // One line from an agent: "@<unix time, us>|" (PROSE_LINE_TIMES) and the line as the agent logs it.
  void read_line(const Child& c, std::string l);

  // ---- the trace (demo_trace.cpp) ----
  // Prints the waiting trace lines written before `before` (every one when it is INT64_MAX), in time order.
  void release(std::int64_t before);
  // One line of the trace, tagged with its requirement step, and the same as an entry of the chart.
  void trace(Traced r);
  void on_line(const std::string& who, const std::string& l, std::int64_t us);
  // A chunk of the Diameter stream between the PKMF and the HSS/BSF (the tap's thread): every whole message in it
  // waits in diameter_pending_ for the trace.
  void on_diameter(bool from_hss, std::uint16_t client_port, ByteView chunk);
  double since_start() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  double seconds(std::int64_t us) const { return static_cast<double>(us - t0_us_) / 1e6; }

  // ---- the summary (demo_summary.cpp) ----
  UeResult ue_result(const Ue& u) const;
  // Messages and events per requirement step, in the order of requirement_steps().
  std::vector<StepResult> step_results() const;
  // The chart's lane of an agent's name as the trace shows it; ue@<L2 ID> is the Remote UE with that layer-2 ID.
  int lane_of(const std::string& who) const;
  std::string write_chart() const;
  // Prints the summary (and with --json the JSON summary on stdout); true when every step worked.
  bool finish(bool ok);
  // --json's "ip" (null without --ip).
  nlohmann::ordered_json ip_json() const;
  // `prose demo --json`: the summary on stdout (docs/cli.md, the JSON convention).
  void print_json(bool ok, const std::string& code, const std::string& message, double elapsed,
                  const std::vector<StepResult>& steps, const std::vector<UeResult>& ue_results,
                  const std::string& pcap, std::size_t frames, const std::string& chart) const;

  fs::path out_;
  bool json_ = false;
  TlsMode tls_ = TlsMode::kGba;
  bool ip_mode_ = false;
  std::unique_ptr<IpNet> ip_;
  std::vector<std::string> ip_left_;  // namespaces the teardown could not delete
  std::vector<PingResult> pings_;
  std::optional<DownloadResult> download_;
  std::ostream& os_;  // the trace: stdout, or stderr with --json (stdout then holds only the summary)
  std::FILE* tr_ = stdout;
  std::string exe_;
  std::uint16_t hss_port_ = 0, pkmf_port_ = 0, echo_port_ = 0, relay_port_ = 0, ub_port_ = 0;
  // The relay's subscription (GBA: it bootstraps with its own USIM, mapped to relay r1 by the PKMF).
  std::string relay_imsi_ = "001010000000901", relay_k_, relay_opc_;
  std::vector<Ue> ues_{{"ue1", "001010000000101", 0x00b001, "", "", 0, 0},
                       {"ue2", "001010000000102", 0x00b002, "", "", 0, 0}};
  std::vector<Child> children_;
  std::map<std::string, std::string> partial_;
  std::vector<Event> events_;
  std::vector<Traced> traced_;
  std::map<std::string, std::string> logs_;                       // agent or server name -> its log file
  std::mutex diameter_mu_;                                        // the HSS tap's thread adds to the two below
  std::map<std::pair<std::uint16_t, bool>, Bytes> diameter_buf_;  // (PKMF's port, from the HSS) -> octets
  std::vector<Pending> diameter_pending_;
  std::vector<Pending> pending_;
  std::mutex cap_mu_;  // frames_ and ip_id_: the taps' threads and the line reader add to them
  std::vector<Captured> frames_;
  std::uint16_t ip_id_ = 1;
  std::unique_ptr<demo::TcpTap> hss_tap_, https_tap_, ub_tap_;
  std::map<std::string, int> pc5_sent_;  // PC5 signalling messages by type, from the agents' PC5 lines
  int echo_fd_ = -1;
  std::atomic<bool> echo_stop_{false};
  std::thread echo_;
  Clock::time_point t0_, last_ = Clock::now();
  std::int64_t t0_us_ = 0;
  std::vector<std::pair<std::string, double>> phases_;
  std::uint64_t bytes_ = 0;
  std::string failure_;
};

}  // namespace prose::cli::demo
