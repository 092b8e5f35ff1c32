// The relay load test: work directory, provisioning, the PKMF and relay processes, the baselines, the final
// measurements.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "prose/agents/frame.h"
#include "prose/discovery/plain.h"
#include "prose/ids/ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/link/relay.h"
#include "prose/load/abort.h"
#include "prose/load/relay_harness.h"
#include "prose/pc8/codec.h"
#include "prose/testbed/ports.h"
#include "prose/testbed/proc_stats.h"
#include "prose/testbed/wait.h"
#include "prose/util/random.h"

namespace prose::load {

namespace fs = std::filesystem;

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", v);
  return b;
}

int run_relay_load(const RelayLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err) {
  if (o.unauthorised >= o.ues) bad_input("--unauthorised: must be less than --ues (the first UE must succeed)");
  RelayLoad load(o, publish, err);
  return load.run();
}

int RelayLoad::run() {
  try {
    return run_phases();
  } catch (const Abort&) {
    if (dir_created_) err_ << "relay-load: work directory kept: " << dir_.string() << "\n";
    throw;
  }
}

int RelayLoad::run_phases() {
  setup_dir();
  provision();
  start_pkmf();
  baseline_handshake();
  baseline_pkmf();
  echo_.start();
  direct_ = direct_echo(echo_.port(), DirectEchoPlan{o_.ues, o_.datagrams, o_.size, o_.window, o_.loss_timeout},
                        [this] { check_deadline("direct echo"); });
  start_relay();
  setup_phase();
  relay_rss_links_ = testbed::vm_kib(relay_.pid(), "VmRSS");
  data_phase();
  release_phase();
  finish_measurements();
  relay_.stop();
  pkmf_.stop();
  int rc = report();
  if (rc == 0 && !keep_dir_) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  } else {
    err_ << "relay-load: work directory kept: " << dir_.string() << "\n";
  }
  return rc;
}

void RelayLoad::check_deadline(const char* phase) {
  if (Clock::now() > deadline_) failure(std::string("timed out in the ") + phase + " phase");
}

void RelayLoad::setup_dir() {
  if (o_.dir.empty()) {
    dir_ = fs::temp_directory_path() / ("prose-relay-load-" + std::to_string(random_u64()));
  } else {
    dir_ = fs::absolute(o_.dir);
    keep_dir_ = true;
    if (fs::exists(dir_ / "pkmf" / "pkmf.toml")) bad_input("--dir: " + dir_.string() + " already holds a setup");
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) bad_input("--dir: cannot create " + dir_.string() + ": " + ec.message());
  dir_created_ = true;
  exe_ = o_.prose_bin.empty() ? testbed::self_exe() : o_.prose_bin;
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
  load_start_ = testbed::loadavg();
  rcvbuf_errors_start_ = testbed::udp_rcvbuf_errors();
}

void RelayLoad::provision() {
  pkmf_port_ = must(testbed::free_port(testbed::Proto::kTcp), "PKMF port");
  pkmf_setup_ = write_pkmf_setup((dir_ / "pkmf").string(), pkmf_port_, "");
  auto t0 = Clock::now();
  auto provisioned = provision_ues(
      pkmf_setup_.config, o_.ues, kRelayRsc,
      [this](std::size_t i) { return i + o_.unauthorised >= o_.ues ? kOtherRsc : kRelayRsc; }, true);
  ues_.resize(o_.ues);
  for (std::size_t i = 0; i < o_.ues; ++i) {
    ues_[i].l2 = kUeL2Base + static_cast<std::uint32_t>(i);
    ues_[i].imsi = std::move(provisioned[i].imsi);
    ues_[i].pruk_id = provisioned[i].pruk_id;
    ues_[i].pruk = std::move(provisioned[i].pruk);
  }
  provision_s_ = secs(Clock::now() - t0);
}

testbed::Process RelayLoad::start(const std::vector<std::string>& args, const std::string& log,
                                  const std::string& cwd) {
  testbed::SpawnOptions so;
  so.argv = args;
  so.log = log;
  so.cwd = cwd;
  return must(testbed::Process::spawn(std::move(so)), "start " + args.at(1));
}

void RelayLoad::start_pkmf() {
  pkmf_ = start({exe_, "pkmf", "--config", pkmf_setup_.config_path}, (dir_ / "pkmf.log").string(),
                (dir_ / "pkmf").string());
  const std::string down = "the PKMF did not come up (log: " + (dir_ / "pkmf.log").string() + ")";
  // A plain TCP connect first: the TLS client is only used once the PKMF listens.
  if (!testbed::wait_for_tcp(pkmf_port_, std::chrono::seconds(10), &pkmf_).ok()) failure(down);
  for (int i = 0; i < 100; ++i) {
    auto c = relay_client((dir_ / "pkmf" / "pki").string(), pkmf_port_);
    if (c.ok() && (*c)->get("/metrics").ok()) return;
    if (!pkmf_.alive()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  failure(down);
}

void RelayLoad::start_relay() {
  relay_port_ = must(testbed::free_port(testbed::Proto::kUdp), "relay port");
  open_udp(sl_);
  fs::path pki = dir_ / "pkmf" / "pki";
  fs::path rc = dir_ / "relay.toml";
  std::ofstream(rc) << "[relay]\nname = \"relay\"\nl2_id = " << kRelayL2 << "\nrelay_service_code = " << kRelayRsc
                    << "\nannounce_ms = 60000\npkmf_connections = " << o_.relay_pkmf_connections
                    << "\n[upstream]\nport = " << echo_.port()
                    << "\n[pkmf]\nhost = \"127.0.0.1\"\nport = " << pkmf_port_ << "\nca = \""
                    << (pki / "ca.pem").string() << "\"\ncert = \"" << (pki / "relay-r1.pem").string() << "\"\nkey = \""
                    << (pki / "relay-r1.key").string() << "\"\n[sidelink]\nport = " << relay_port_ << "\npeers = ["
                    << sl_.port() << "]\n"
                    << "[log]\ncapture = false\nuser_data = false\n";  // no CAP or MSC line per frame or datagram
  relay_ = start({exe_, "relay", "--config", rc.string()}, (dir_ / "relay.log").string(), dir_.string());
  // The relay announces its RSC as soon as its loop runs: that announcement is the readiness signal.
  auto end = Clock::now() + std::chrono::seconds(10);
  std::uint8_t buf[agents::kMaxFrameSize + 64];
  while (Clock::now() < end) {
    if (!sl_.wait(100)) {
      if (!relay_.alive()) break;
      continue;
    }
    while (std::size_t n = sl_.recv_into(buf, sizeof buf)) {
      auto f = agents::decode_frame(ByteView(buf, n));
      if (f.ok() && f->src == kRelayL2 && f->dst == discovery::kBroadcastL2Id) {
        relay_rss_idle_ = testbed::vm_kib(relay_.pid(), "VmRSS");
        return;
      }
    }
  }
  failure("the relay did not come up (log: " + (dir_ / "relay.log").string() + ")");
}

// The same handshake between the two link machines in memory: machine creation, DCR, KD = derive_kd(PRUK,
// freshness) as the PKMF computes it, DSMC, DSM Complete, DCA. No PKMF process, no TLS, no UDP, no relay loop.
void RelayLoad::baseline_handshake() {
  auto ue_ids = std::make_shared<link::KdSessIdRegistry>();
  auto relay_ids = std::make_shared<link::KdSessIdRegistry>();
  SecretBytes pruk = random_secret(32);
  for (std::size_t i = 0; i < o_.baseline_iterations; ++i) {
    auto t0 = Clock::now();
    link::RemoteUeConfig uc;
    uc.imsi = "001010123456789";
    uc.relay_service_code = ids::RelayServiceCode{kRelayRsc};
    uc.pruk_id = ids::PrukId{0x1122334455667788ull};
    uc.pruk = pruk.clone();
    uc.ids = ue_ids;
    uc.policy = algorithm_policy();
    link::RelayConfig rc;
    rc.relay_service_code = ids::RelayServiceCode{kRelayRsc};
    rc.ids = relay_ids;
    auto ue = must(link::RemoteUe::create(std::move(uc)), "baseline Remote UE");
    auto relay = must(link::Relay::create(std::move(rc)), "baseline relay");
    const link::TimePoint now = link_now();
    auto dcr = must(ue->start(now), "baseline DCR");
    auto need = relay->on_pdu(now, dcr.pdus.at(0));
    if (!need.find<link::NeedKd>()) failure("baseline: the relay machine did not ask for KD");
    link::KdGrant g;
    random_fill(g.kd_freshness);
    g.kd = must(keys::derive_kd(pruk.view(), g.kd_freshness), "baseline KD");
    auto dsmc = must(relay->kd_available(now, std::move(g)), "baseline DSMC");
    auto complete = ue->on_pdu(now, dsmc.pdus.at(0));
    auto dca = relay->on_pdu(now, complete.pdus.at(0));
    auto done = ue->on_pdu(now, dca.pdus.at(0));
    if (!done.find<link::LinkSecured>() || ue->state() != link::RemoteState::kEstablished)
      failure("baseline: the in-memory handshake did not secure the link");
    base_handshake_.push_back(secs(Clock::now() - t0));
  }
  std::sort(base_handshake_.begin(), base_handshake_.end());
}

// KD requests straight to the PKMF (one TLS keep-alive connection with the relay's certificate, sequential).
void RelayLoad::baseline_pkmf() {
  auto client = must(relay_client((dir_ / "pkmf" / "pki").string(), pkmf_port_), "PKMF client");
  const std::size_t authorised = ues_.size() - o_.unauthorised;
  // Request 0 opens the TLS connection: reported apart, like the relay's first setup.
  std::size_t n = std::min<std::size_t>(o_.baseline_iterations, 1000) + 1;
  for (std::size_t i = 0; i < n; ++i) {
    pc8::KdRequest r;
    r.transaction_id.value = random_u32();
    r.remote_ue = ids::PrukId{ues_[random_u32() % authorised].pruk_id};
    r.relay_service_code.value = kRelayRsc;
    auto body = must(pc8::Codec::encode(pc8::Request(r)), "KD request");
    auto t0 = Clock::now();
    auto resp = client->post("/prose/pc8", pc8::kContentType, body);
    double dt = secs(Clock::now() - t0);
    if (!resp.ok() || resp->status != 200) failure("baseline: KD request to the PKMF failed");
    auto d = pc8::Codec::decode_response(resp->body);
    const auto* kr = d.ok() ? std::get_if<pc8::KdResponse>(&*d) : nullptr;
    if (!kr || !std::holds_alternative<pc8::KdGrant>(kr->outcome)) failure("baseline: the PKMF did not grant KD");
    if (i == 0)
      base_pkmf_first_ = dt;
    else
      base_pkmf_.push_back(dt);
  }
  std::sort(base_pkmf_.begin(), base_pkmf_.end());
}

void RelayLoad::finish_measurements() {
  relay_rss_ = testbed::vm_kib(relay_.pid(), "VmRSS");
  relay_hwm_ = testbed::vm_kib(relay_.pid(), "VmHWM");
  pkmf_rss_ = testbed::vm_kib(pkmf_.pid(), "VmRSS");
  pkmf_hwm_ = testbed::vm_kib(pkmf_.pid(), "VmHWM");
  relay_cpu_ = testbed::cpu_seconds(relay_.pid());
  pkmf_cpu_ = testbed::cpu_seconds(pkmf_.pid());
  load_end_ = testbed::loadavg();
  rcvbuf_errors_end_ = testbed::udp_rcvbuf_errors();
}

}  // namespace prose::load
