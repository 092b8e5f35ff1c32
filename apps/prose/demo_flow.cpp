// `prose demo`: the three phases of the flow and the checks between them (demo_run.h).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "demo_run.h"
#include "prose/util/hex.h"
#include "prose/util/loopback.h"
#include "prose/util/random.h"

namespace prose::cli::demo {

int Demo::main() {
  t0_ = Clock::now();
  t0_us_ = now_us();
  bool ok = setup() && (!ip_mode_ || ip_setup()) && phase1() && phase2() && phase3();
  if (ok && !stop_reason().empty()) ok = step_fail(stop_reason());
  stop_all();
  ip_teardown();  // after the agents: their TUN devices keep the namespaces alive
  return finish(ok) ? 0 : 1;
}

bool Demo::step_fail(const std::string& what) {
  // After SIGINT/SIGTERM (--ip) the wait that gave up says so first.
  const std::string m = stop_reason().empty() || what == stop_reason() ? what : stop_reason() + " (" + what + ")";
  os_ << "FAILED: " << m << "\n";
  failure_ = m;
  return false;
}

bool Demo::phase1() {
  os_ << "== Phase 1: relay and " << ues_[0].name
      << " know only the ProSe Function: PC3 service authorisation (PKMF address, discovery settings), "
         "discovery keys (PSDK) from the PKMF, protected announcements; PRUK provisioning of "
      << ues_[0].name << " by Key Request + MIKEY\n";
  fs::path rc = out_ / "relay.toml";
  std::ofstream(rc) << "[relay]\nname = \"relay\"\nl2_id = 0x00aa01\nrelay_service_code = 0xabcd\n"
                       "announce_ms = 300\n[upstream]\nport = "
                    << echo_port_ << "\n"
                    << prose_function_section("relay-r1") << sidelink(relay_port_, {ues_[0].sl_port, ues_[1].sl_port})
                    << ip_section(ip_ ? ip_->relay_ns() : "", true);
  start("relay", {exe_, "relay", "--config", rc.string()}, true);
  if (!wait_evt("relay", "authorised", 20)) return step_fail("relay: not authorised by the ProSe Function");
  if (!wait_evt("relay", "psdk", 20)) return step_fail("relay: no discovery keys from the PKMF");
  start_ue(ues_[0], true, "A");
  if (!wait_evt(ues_[0].name, "authorised", 20))
    return step_fail(ues_[0].name + ": not authorised by the ProSe Function");
  if (!wait_evt(ues_[0].name, "pruk", 30)) return step_fail("no PRUK delivered to " + ues_[0].name);
  phase_end("1 PC3, PSDK, PRUK");
  return true;
}

bool Demo::phase2() {
  os_ << "== Phase 2: protected discovery (Model A), DCR with the PRUK ID, KD from the PKMF, DSMC, DSM Complete, "
         "DCA, data\n";
  if (!wait_evt(ues_[0].name, "discovered", 30)) return step_fail(ues_[0].name + ": relay not discovered");
  if (!seen_text(ues_[0].name, "discovered", "protected Discovery Announcement"))
    return step_fail(ues_[0].name + ": relay not discovered by a protected announcement");
  if (!wait_evt(ues_[0].name, "ready", 30)) return step_fail(ues_[0].name + ": link not secured");
  if (ip_ ? !ip_data(ues_[0], true) : !data_through(ues_[0]))
    return ip_ ? false : step_fail(ues_[0].name + ": user data did not come back");
  phase_end("2 link with PRUK ID");
  return true;
}

bool Demo::phase3() {
  os_ << "== Phase 3: " << ues_[1].name
      << " without a PRUK: ProSe Function, protected discovery (Model B), DCR with the IMSI, GBA Push, GPI in "
         "the DSMC\n";
  start_ue(ues_[1], false, "B");
  if (!wait_evt(ues_[1].name, "discovered", 30)) return step_fail(ues_[1].name + ": relay not discovered");
  if (!seen_text(ues_[1].name, "discovered", "protected Discovery Response"))
    return step_fail(ues_[1].name + ": relay not discovered by a protected response");
  if (!wait_evt(ues_[1].name, "ready", 40)) return step_fail(ues_[1].name + ": link not secured");
  if (!seen(ues_[1].name, "pruk")) return step_fail(ues_[1].name + ": no PRUK from the GPI");
  if (ip_ ? !ip_data(ues_[1], false) : !data_through(ues_[1]))
    return ip_ ? false : step_fail(ues_[1].name + ": user data did not come back");
  phase_end("3 GBA Push");
  return true;
}

void Demo::start_ue(const Ue& u, bool provision, const std::string& model) {
  fs::path c = out_ / (u.name + ".toml");
  std::ofstream(c) << "[ue]\nname = \"" << u.name << "\"\nimsi = \"" << u.imsi << "\"\nl2_id = " << u.l2
                   << "\nrelay_service_code = 0xabcd\nk = \"" << u.k << "\"\nopc = \"" << u.opc << "\"\nkey_store = \""
                   << u.name << ".keys\"\nkek = \"" << to_hex(random_bytes(32))
                   << "\"\nprovision = " << (provision ? "true" : "false") << "\ndiscovery = \"" << model
                   << "\"\napp_port = " << u.app_port << "\n"
                   << prose_function_section("ue-" + u.imsi) << sidelink(u.sl_port, {relay_port_})
                   << ip_section(ip_ ? ip_->ue_ns(static_cast<std::size_t>(&u - ues_.data())) : "", false);
  start(u.name, {exe_, "remote-ue", "--config", c.string()}, true);
}

bool Demo::data_through(const Ue& u) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback_address(u.app_port);
  std::string msg = "hello from an application behind " + u.name;
  bool ok = false;
  for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
    os_ << "   app -> " << u.name << ": \"" << msg << "\" (" << msg.size() << " octets)\n";
    ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) > 0) {
      char buf[2048];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ok = n == static_cast<ssize_t>(msg.size()) && std::string(buf, static_cast<std::size_t>(n)) == msg;
      drain();  // the agents' lines about the datagram first
      if (ok) os_ << "   " << u.name << " -> app: echo back through the relay, " << n << " octets\n";
    }
    drain();
  }
  ::close(fd);
  if (ok) bytes_ += 2 * msg.size();
  return ok;
}

bool Demo::seen(const std::string& who, const std::string& name) const {
  for (const auto& e : events_)
    if (e.who == who && e.name == name) return true;
  return false;
}

bool Demo::seen_text(const std::string& who, const std::string& name, const std::string& part) const {
  for (const auto& e : events_)
    if (e.who == who && e.name == name && e.text.find(part) != std::string::npos) return true;
  return false;
}

bool Demo::wait_evt(const std::string& who, const std::string& name, int seconds) {
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    if (seen(who, name)) return true;
    if (!stop_reason().empty()) return false;
    for (const auto& e : events_)
      if (e.who == who && e.name == "failed") return false;
    drain(100);
  }
  return seen(who, name);
}

void Demo::phase_end(const std::string& name) {
  auto t = Clock::now();
  phases_.emplace_back(name, std::chrono::duration<double>(t - last_).count());
  last_ = t;
}

}  // namespace prose::cli::demo
