// `prose demo`: the trace, the agents' lines and the Diameter messages the tap saw in time order, each tagged with
// its requirement step; the CAP lines as frames for demo.pcap (demo_run.h).
#include <algorithm>
#include <string>

#include "demo_run.h"
#include "demo_steps.h"
#include "prose/diameter/constants.h"
#include "prose/diameter/message.h"
#include "prose/util/hex.h"
#include "prose/util/pcap_writer.h"

namespace prose::cli::demo {

namespace {

std::vector<std::string> split(const std::string& s, std::size_t n) {
  std::vector<std::string> v;
  std::size_t pos = 0;
  while (v.size() + 1 < n) {
    auto b = s.find('|', pos);
    if (b == std::string::npos) break;
    v.push_back(s.substr(pos, b - pos));
    pos = b + 1;
  }
  v.push_back(s.substr(pos));
  return v;
}

}  // namespace

void Demo::release(std::int64_t before) {
  {
    std::lock_guard<std::mutex> lock(diameter_mu_);
    for (auto& d : diameter_pending_) pending_.push_back(std::move(d));
    diameter_pending_.clear();
  }
  std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) { return a.us < b.us; });
  std::size_t n = 0;
  while (n < pending_.size() && pending_[n].us < before) ++n;
  for (std::size_t i = 0; i < n; ++i) {
    Pending& p = pending_[i];
    if (p.diameter) {
      p.diameter->t = seconds(p.us);
      trace(std::move(*p.diameter));
    } else {
      on_line(p.who, p.line, p.us);
    }
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
}

void Demo::trace(Traced r) {
  char head[48];
  std::snprintf(head, sizeof head, "%7.3f [%2s] ", r.t, r.step.c_str());
  if (r.event)
    std::fprintf(tr_, "%s[%s] %s: %s\n", head, r.from.c_str(), r.name.c_str(), r.text.c_str());
  else
    std::fprintf(tr_, "%s%-8s -> %-14s %s\n", head, r.from.c_str(), r.to.c_str(), r.text.c_str());
  std::fflush(tr_);
  traced_.push_back(std::move(r));
}

void Demo::on_line(const std::string& who, const std::string& l, std::int64_t us) {
  const double t = seconds(us);
  if (l.rfind("MSC|", 0) == 0) {
    auto v = split(l.substr(4), 3);
    // The agents name the BSF of their Ub exchange "BSF": it is the HSS/BSF of the Diameter lines.
    for (std::size_t i = 0; i < 2 && v.size() == 3; ++i)
      if (v[i] == "BSF") v[i] = "HSS/BSF";
    if (v.size() == 3) trace({t, demo::message_step(v[0], v[1], v[2]), v[0], v[1], v[2], false, ""});
  } else if (l.rfind("EVT|", 0) == 0) {
    auto v = split(l.substr(4), 2);
    if (v.size() == 2) {
      events_.push_back({who, v[0], v[1]});
      trace({t, demo::event_step(who, v[0], v[1]), who, who, v[1], true, v[0]});
    }
  } else if (l.rfind("CAP|", 0) == 0) {
    auto v = split(l.substr(4), 4);
    if (v.size() == 4) {
      auto payload = from_hex(v[3]);
      if (payload.ok()) {
        UdpEndpoint s, d;
        s.ip = d.ip = {127, 0, 0, 1};
        s.port = static_cast<std::uint16_t>(std::stoi(v[0]));
        d.port = static_cast<std::uint16_t>(std::stoi(v[1]));
        std::lock_guard<std::mutex> lock(cap_mu_);
        auto f = ethernet_ipv4_udp_frame(s, d, *payload, ip_id_++);
        if (f.ok()) frames_.push_back({std::stoll(v[2]), std::move(*f)});
      }
    }
  } else if (l.rfind("PC5|", 0) == 0) {
    auto v = split(l.substr(4), 3);
    if (v.size() == 3) ++pc5_sent_[v[2]];
  }
}

void Demo::on_diameter(bool from_hss, std::uint16_t client_port, ByteView chunk) {
  const std::int64_t us = now_us();
  std::lock_guard<std::mutex> lock(diameter_mu_);
  Bytes& buf = diameter_buf_[{client_port, from_hss}];
  buf.insert(buf.end(), chunk.begin(), chunk.end());
  for (;;) {
    auto len = diameter::frame_length(buf);
    if (!len.ok()) {
      buf.clear();  // not Diameter: nothing more to show from this stream
      return;
    }
    if (!*len || buf.size() < **len) return;
    auto m = diameter::decode(ByteView(buf.data(), **len));
    const std::string text =
        m.ok() ? "Diameter " + demo::describe_diameter(*m) : "Diameter message (" + m.error().message + ")";
    // Watchdog and disconnect keep or end the connection: outside the flow. Zn belongs to the agents' TLS (step 0).
    diameter_pending_.push_back({us, "", "",
                                 Traced{0, m.ok() ? demo::diameter_step(*m) : "4b", from_hss ? "HSS/BSF" : "PKMF",
                                        from_hss ? "PKMF" : "HSS/BSF", text, false, ""}});
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(**len));
  }
}

}  // namespace prose::cli::demo
