// `prose demo`: the TCP taps between the demo's clients and servers, which record every connection for demo.pcap.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/loopback.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::cli::demo {

// A TCP forwarder on loopback between the demo's clients and one server, recording each connection as TCP segments
// for demo.pcap: the handshake, every chunk of data each way, the close. The server side is shown on `shown_port`
// (443 for the PKMF's HTTPS, 3868 for Diameter) so that Wireshark decodes it by default. The servers and clients
// are not changed: they are only configured with the tap's port.
class TcpTap {
 public:
  using Record =
      std::function<void(const UdpEndpoint& src, const UdpEndpoint& dst, const TcpSegment& seg, ByteView payload)>;
  TcpTap(std::uint16_t target, std::uint16_t shown_port, Record rec)
      : target_(target), shown_port_(shown_port), rec_(std::move(rec)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback_address(0);
    ::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lfd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpTap() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) close_conn(c);
    ::close(lfd_);
  }
  TcpTap(const TcpTap&) = delete;
  TcpTap& operator=(const TcpTap&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  struct Conn {
    int c = -1, s = -1;
    UdpEndpoint ce, se;
    std::uint32_t cseq = 0, sseq = 0;
  };
  static bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  void close_conn(Conn& c) {
    if (c.c >= 0) ::close(c.c);
    if (c.s >= 0) ::close(c.s);
    c.c = c.s = -1;
  }
  void accept_one() {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int cfd = ::accept(lfd_, reinterpret_cast<sockaddr*>(&peer), &len);
    if (cfd < 0) return;
    int sfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in t = loopback_address(target_);
    if (::connect(sfd, reinterpret_cast<sockaddr*>(&t), sizeof t) != 0) {
      ::close(sfd);
      ::close(cfd);
      return;
    }
    Conn c;
    c.c = cfd;
    c.s = sfd;
    c.ce.ip = c.se.ip = {127, 0, 0, 1};
    c.ce.mac = {0x02, 0, 0, 0, 0, 0x01};
    c.se.mac = {0x02, 0, 0, 0, 0, 0x02};
    c.ce.port = ntohs(peer.sin_port);
    c.se.port = shown_port_;
    c.cseq = random_u32();
    c.sseq = random_u32();
    rec_(c.ce, c.se, TcpSegment{c.cseq, 0, kTcpSyn}, {});
    rec_(c.se, c.ce, TcpSegment{c.sseq, c.cseq + 1, kTcpSyn | kTcpAck}, {});
    ++c.cseq;
    ++c.sseq;
    rec_(c.ce, c.se, TcpSegment{c.cseq, c.sseq, kTcpAck}, {});
    conns_.push_back(c);
  }
  // Data (or the end) from one side of `c`; false when the connection is over.
  bool forward(Conn& c, bool from_client) {
    char buf[16384];
    const int in = from_client ? c.c : c.s, out = from_client ? c.s : c.c;
    const UdpEndpoint& src = from_client ? c.ce : c.se;
    const UdpEndpoint& dst = from_client ? c.se : c.ce;
    std::uint32_t& seq = from_client ? c.cseq : c.sseq;
    std::uint32_t& ack = from_client ? c.sseq : c.cseq;
    ssize_t n = ::recv(in, buf, sizeof buf, 0);
    if (n > 0) {
      rec_(src, dst, TcpSegment{seq, ack, kTcpPsh | kTcpAck},
           ByteView(reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n)));
      seq += static_cast<std::uint32_t>(n);
      if (write_all(out, buf, static_cast<std::size_t>(n))) return true;
    }
    // One side closed (or failed): both FINs and the last ACK, then both sockets go.
    rec_(src, dst, TcpSegment{seq, ack, kTcpFin | kTcpAck}, {});
    ++seq;
    rec_(dst, src, TcpSegment{ack, seq, kTcpFin | kTcpAck}, {});
    ++ack;
    rec_(src, dst, TcpSegment{seq, ack, kTcpAck}, {});
    close_conn(c);
    return false;
  }
  void run() {
    while (!stop_) {
      std::vector<pollfd> ps{{lfd_, POLLIN, 0}};
      for (const auto& c : conns_) ps.push_back({c.c, POLLIN, 0}), ps.push_back({c.s, POLLIN, 0});
      if (::poll(ps.data(), ps.size(), 100) <= 0) continue;
      if (ps[0].revents & POLLIN) accept_one();
      for (std::size_t i = 0; i < conns_.size() && 1 + 2 * i + 1 < ps.size(); ++i) {
        if (ps[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
          if (!forward(conns_[i], true)) continue;
        }
        if (ps[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) (void)forward(conns_[i], false);
      }
      std::erase_if(conns_, [](const Conn& c) { return c.c < 0; });
    }
  }
  std::uint16_t target_, shown_port_, port_ = 0;
  Record rec_;
  int lfd_ = -1;
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace prose::cli::demo
