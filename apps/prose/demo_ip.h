// `prose demo --ip` (docs/demo.md "IP mode"): the network the agents' TUN devices live in, made with `ip` as root
// and taken down again on every way out.
//
//   <id>-ue1, <id>-ue2 (one namespace per Remote UE)   <id>-relay                          <id>-up
//   prose-u0 10.45.0.x/24, default via 10.45.0.1  ==PC5==  prose-r0 10.45.0.1/24, ip_forward
//                                                          pv<pid>r 10.46.0.1/24 <-- veth --> pv<pid>u 10.46.0.2/24
//                                                                                             route 10.45.0.0/24
//                                                                                             via 10.46.0.1, the
//                                                                                             demo's HTTP server
// <id> is "prose-<pid>": two runs, or a run and a test, never share a name. The agents make the TUN devices
// themselves (`[ip] tun`, `[ip] netns`); the Remote UE takes its address and default route from the relay's DHCPv4
// lease. The PC5 link, the PKMF and the ProSe Function stay on the host's loopback.
#pragma once

#include <atomic>
#include <csignal>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "prose/util/bytes.h"

namespace prose::cli::demo {

// SIGINT or SIGTERM received during `prose demo --ip` (0: none): the flow stops at its next wait and cleans up.
inline volatile std::sig_atomic_t g_stop_signal = 0;
// Installs the handlers that set it.
void catch_stop_signals();

// Why `prose demo --ip` cannot run here ("" when it can): not root, `ip`, `ping` or `curl` missing, no TUN.
std::string ip_demo_unavailable();

class IpNet {
 public:
  static constexpr const char* kPool = "10.45.0.0/24";  // the relay's DHCPv4 pool; its TUN takes 10.45.0.1
  static constexpr const char* kRelayUpstream = "10.46.0.1";
  static constexpr const char* kServer = "10.46.0.2";  // the upstream host: ping target and HTTP server
  static constexpr std::uint16_t kHttpPort = 8080;
  static constexpr std::size_t kBlobSize = 4 * 1024 * 1024;

  IpNet(int pid, std::size_t remote_ues);
  ~IpNet();  // teardown()
  IpNet(const IpNet&) = delete;
  IpNet& operator=(const IpNet&) = delete;

  const std::string& relay_ns() const { return relay_ns_; }
  const std::string& upstream_ns() const { return up_ns_; }
  const std::string& ue_ns(std::size_t i) const { return ue_ns_[i]; }
  // Every namespace and host-visible device name of this run (for the summary; the test checks they are gone).
  std::vector<std::string> namespaces() const;
  std::vector<std::string> devices() const;

  // Makes the namespaces, the veth pair, addresses and routes, and starts the HTTP server in the upstream
  // namespace. "" on success, else what failed (what was made is still taken down by teardown()).
  std::string setup();
  // Stops the server, deletes the namespaces this run made (the veth pair and any TUN device left go with them).
  // Call after the agents have ended: a TUN device keeps its namespace alive while an agent holds it. Idempotent.
  // The namespaces still there afterwards (/run/netns/NAME exists): none, normally.
  std::vector<std::string> teardown();

  // The blob the server serves at /blob and its SHA-256 (hex).
  const std::string& blob_sha256() const { return blob_sha256_; }
  std::string blob_url() const;

 private:
  std::string ip(const std::vector<std::string>& args);
  std::string start_server();
  void serve();

  std::string relay_ns_, up_ns_, veth_r_, veth_u_;
  std::vector<std::string> ue_ns_;
  std::vector<std::string> made_;  // namespaces this run made, in order
  Bytes blob_;
  std::string blob_sha256_;
  int listen_fd_ = -1;
  std::atomic<bool> server_stop_{false};
  std::thread server_;
};

}  // namespace prose::cli::demo
