// `prose demo --ip`: the namespaces, the veth pair and the upstream HTTP server (demo_ip.h).
#include "demo_ip.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "prose/agents/netns.h"
#include "prose/crypto/hmac.h"
#include "prose/testbed/process.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::cli::demo {

namespace {

extern "C" void on_ip_demo_stop_signal(int sig) { g_stop_signal = sig; }

bool program_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((d + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

// Sends all of `data` on a blocking socket; false when the peer went away or the stop flag was raised.
bool send_all(int fd, const std::uint8_t* data, std::size_t size, const std::atomic<bool>& stop) {
  while (size > 0 && !stop) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return size == 0;
}

}  // namespace

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_ip_demo_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string ip_demo_unavailable() {
  if (::geteuid() != 0) return "demo --ip needs root (network namespaces, a veth pair, TUN devices): run it with sudo";
  if (!program_in_path("ip")) return "demo --ip needs the ip command (Debian package iproute2)";
  if (!program_in_path("ping")) return "demo --ip needs ping (Debian package iputils-ping)";
  if (!program_in_path("curl")) return "demo --ip needs curl (Debian package curl)";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "demo --ip needs /dev/net/tun (the tun kernel module)";
  return "";
}

IpNet::IpNet(int pid, std::size_t remote_ues) {
  const std::string id = "prose-" + std::to_string(pid);
  relay_ns_ = id + "-relay";
  up_ns_ = id + "-up";
  for (std::size_t i = 0; i < remote_ues; ++i) ue_ns_.push_back(id + "-ue" + std::to_string(i + 1));
  veth_r_ = "pv" + std::to_string(pid) + "r";
  veth_u_ = "pv" + std::to_string(pid) + "u";
}

IpNet::~IpNet() { (void)teardown(); }

std::vector<std::string> IpNet::namespaces() const {
  std::vector<std::string> v{relay_ns_, up_ns_};
  v.insert(v.end(), ue_ns_.begin(), ue_ns_.end());
  return v;
}

std::vector<std::string> IpNet::devices() const { return {veth_r_, veth_u_}; }

std::string IpNet::blob_url() const {
  return "http://" + std::string(kServer) + ":" + std::to_string(kHttpPort) + "/blob";
}

std::string IpNet::ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testbed::run(argv);
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  if (!r.ok()) return cmd + ": " + r.error().message;
  if (!r->status.ok()) {
    std::string out = r->output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return cmd + ": " + r->status.to_string() + (out.empty() ? "" : ": " + out);
  }
  return "";
}

std::string IpNet::setup() {
  for (const auto& ns : namespaces()) {
    if (auto e = ip({"netns", "add", ns}); !e.empty()) return e;
    made_.push_back(ns);
    if (auto e = ip({"-n", ns, "link", "set", "lo", "up"}); !e.empty()) return e;
  }
  const std::vector<std::vector<std::string>> steps = {
      {"link", "add", veth_r_, "netns", relay_ns_, "type", "veth", "peer", "name", veth_u_, "netns", up_ns_},
      {"-n", relay_ns_, "addr", "add", std::string(kRelayUpstream) + "/24", "dev", veth_r_},
      {"-n", relay_ns_, "link", "set", veth_r_, "up"},
      {"-n", up_ns_, "addr", "add", std::string(kServer) + "/24", "dev", veth_u_},
      {"-n", up_ns_, "link", "set", veth_u_, "up"},
      // The relay forwards between its TUN and the veth; the upstream host routes the pool back through it.
      {"netns", "exec", relay_ns_, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"},
      {"-n", up_ns_, "route", "add", kPool, "via", kRelayUpstream},
  };
  for (const auto& s : steps)
    if (auto e = ip(s); !e.empty()) return e;
  return start_server();
}

std::vector<std::string> IpNet::teardown() {
  server_stop_ = true;
  if (server_.joinable()) server_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_), listen_fd_ = -1;
  std::vector<std::string> left;
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
    (void)ip({"netns", "del", *it});
    if (::access(("/run/netns/" + *it).c_str(), F_OK) == 0) left.push_back(*it);
  }
  made_.clear();
  return left;
}

std::string IpNet::start_server() {
  blob_ = random_bytes(kBlobSize);
  blob_sha256_ = to_hex(crypto::sha256(blob_));
  // The listening socket is made in the upstream namespace (this thread enters it for that); it stays there.
  Status st = agents::in_netns(up_ns_, [&]() -> Status {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kHttpPort);
    ::inet_pton(AF_INET, kServer, &a.sin_addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 8) != 0)
      return fail(Errc::kIo, std::string("bind/listen: ") + std::strerror(errno));
    return {};
  });
  if (!st.ok()) return "HTTP server in " + up_ns_ + ": " + st.error().message;
  server_ = std::thread([this] { serve(); });
  return "";
}

// HTTP/1.0 as far as a download needs it: GET /blob is answered with the blob, anything else with 404; one
// connection at a time, closed after the answer.
void IpNet::serve() {
  while (!server_stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{10, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[2048];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384 && !server_stop_) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    const bool blob = req.rfind("GET /blob ", 0) == 0;
    const std::string head = blob ? "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                                        std::to_string(blob_.size()) + "\r\nConnection: close\r\n\r\n"
                                  : "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if (send_all(c, reinterpret_cast<const std::uint8_t*>(head.data()), head.size(), server_stop_) && blob)
      (void)send_all(c, blob_.data(), blob_.size(), server_stop_);
    ::shutdown(c, SHUT_WR);
    ::close(c);
  }
}

}  // namespace prose::cli::demo
