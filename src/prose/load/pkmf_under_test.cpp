#include "prose/load/pkmf_under_test.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "prose/ids/ids.h"
#include "prose/load/abort.h"
#include "prose/pc8/codec.h"
#include "prose/testbed/ports.h"
#include "prose/util/random.h"

namespace prose::load {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

PkmfUnderTest::PkmfUnderTest(const PkmfLoadOptions& o) : o_(o) {
  keep_dir_ = !o.workdir.empty();
  dir_ =
      keep_dir_ ? fs::path(o.workdir) : fs::temp_directory_path() / ("prose-pkmf-load-" + std::to_string(random_u64()));
}

PkmfUnderTest::~PkmfUnderTest() {
  stop();
  std::error_code ec;
  if (!keep_dir_) fs::remove_all(dir_, ec);
}

namespace {

constexpr const char* kIdsFile = "pruk-ids.txt";  // a kept work directory's provisioning: store, UEs, PRUK IDs

// The run's settings in a configuration text: the HTTPS port (the first `port =`, in [pkmf]) and the I/O threads.
std::string with_port_and_threads(std::string text, std::uint16_t port, int threads, bool strip_connections) {
  text = std::regex_replace(text, std::regex(R"(\nport = [0-9]+)"), "\nport = " + std::to_string(port),
                            std::regex_constants::format_first_only);
  text = std::regex_replace(text, std::regex(R"(\nthreads = [0-9]+)"), "\nthreads = " + std::to_string(threads),
                            std::regex_constants::format_first_only);
  // Another binary may predate [connections]; the example's values are the defaults anyway.
  if (strip_connections) text = std::regex_replace(text, std::regex(R"(\[connections\][^\[]*)"), "");
  return text;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

bool PkmfUnderTest::reuse() {
  if (!keep_dir_) return false;
  std::ifstream in(dir_ / kIdsFile);
  std::string store, ues;
  if (!in || !std::getline(in, store) || !std::getline(in, ues)) return false;
  if (store != "store=" + o_.store || ues != "ues=" + std::to_string(o_.ues)) return false;
  std::vector<std::uint64_t> ids;
  ids.reserve(o_.ues);
  std::string line;
  while (std::getline(in, line)) ids.push_back(std::stoull(line, nullptr, 16));
  if (ids.size() != o_.ues) return false;
  pruk_ids_ = std::move(ids);
  const fs::path cfg = dir_ / "pkmf.toml";
  const std::string text = read_text(cfg);  // read before the stream below truncates the file
  if (text.find("\nkek = ") == std::string::npos) return false;
  std::ofstream(cfg) << with_port_and_threads(text, ports_[0], o_.server_threads, !o_.pkmf_bin.empty());
  setup_.config_path = cfg.string();
  setup_.config = must(pkmf::load_config(setup_.config_path), "PKMF config");
  return true;
}

void PkmfUnderTest::setup(std::ostream& err) {
  ports_ = {o_.port};
  for (int i = 1; i < o_.pkmfs; ++i) ports_.push_back(must(testbed::free_port(testbed::Proto::kTcp), "a free port"));
  if (reuse()) {
    err << "reusing " << dir_.string() << ": " << pruk_ids_.size() << " UEs provisioned before\n";
  } else {
    if (keep_dir_) {
      std::error_code ec;
      if (fs::exists(dir_, ec) && !fs::is_empty(dir_, ec))
        failure("--workdir " + dir_.string() +
                " holds something else than a provisioning for these --ues and --store; remove it or name another");
      fs::create_directories(dir_);
    }
    setup_ = write_pkmf_setup(dir_.string(), o_.port, o_.store, [this](std::string text) {
      return with_port_and_threads(std::move(text), o_.port, o_.server_threads, !o_.pkmf_bin.empty());
    });
    // Provision: N UEs and one PRUK each, in bulk.
    auto t0 = Clock::now();
    auto ues = provision_ues(
        setup_.config, o_.ues, 0x00abcd, [](std::size_t) { return 0x00abcd; }, false,
        [&](std::size_t done) { err << "\rprovisioned " << done << "/" << o_.ues << std::flush; });
    err << "\n";
    pruk_ids_.reserve(ues.size());
    for (const auto& u : ues) pruk_ids_.push_back(u.pruk_id);
    provision_s_ = std::chrono::duration<double>(Clock::now() - t0).count();
    if (keep_dir_) {
      std::ofstream out(dir_ / kIdsFile);
      out << "store=" << o_.store << "\nues=" << o_.ues << "\n" << std::hex;
      for (std::uint64_t id : pruk_ids_) out << id << "\n";
    }
  }
  // Further PKMFs: the same configuration (store, KEK, PKI) on their own HTTPS ports.
  const std::string text = read_text(setup_.config_path);
  for (std::size_t i = 1; i < ports_.size(); ++i) {
    std::ofstream(dir_ / ("pkmf-" + std::to_string(i + 1) + ".toml"))
        << std::regex_replace(with_port_and_threads(text, ports_[i], o_.server_threads, false),
                              std::regex(R"((\nmetrics_listen = "[^"]*):[0-9]+")"), "$1:0\"");  // any free port
  }
}

void PkmfUnderTest::start() {
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    const std::string cfg = i == 0 ? setup_.config_path : (dir_ / ("pkmf-" + std::to_string(i + 1) + ".toml")).string();
    testbed::SpawnOptions so;
    so.argv = {o_.pkmf_bin.empty() ? testbed::self_exe() : o_.pkmf_bin, "pkmf", "--config", cfg};
    so.keep_stderr = true;  // its warnings show; its stdout ("Listening ...") does not
    processes_.push_back(must(testbed::Process::spawn(std::move(so)), "start the PKMF"));
    bool ready = false;
    for (int k = 0; k < 200 && !ready && processes_.back().alive(); ++k) {
      auto c = client(true, i);
      ready = c.ok() && (*c)->get("/metrics").ok();
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready) {
      stop();
      failure("the PKMF did not come up");
    }
  }
}

void PkmfUnderTest::stop() {
  for (auto& p : processes_) p.stop(std::chrono::seconds(30));
}

Result<std::unique_ptr<net::HttpsClient>> PkmfUnderTest::client(bool resume, std::size_t index) const {
  return relay_client((dir_ / "pki").string(), ports_.empty() ? o_.port : ports_[index], resume);
}

bool PkmfUnderTest::kd_request(net::HttpsClient& client, std::mt19937_64& rng) const {
  pc8::KdRequest r;
  r.transaction_id.value = static_cast<std::uint32_t>(rng());
  r.remote_ue = ids::PrukId{pruk_ids_[rng() % pruk_ids_.size()]};
  r.relay_service_code.value = 0x00abcd;
  auto body = pc8::Codec::encode(pc8::Request(r));
  auto resp = client.post("/prose/pc8", pc8::kContentType, *body);
  bool ok = resp.ok() && resp->status == 200 && resp->body.find("<KD>") != std::string::npos;
  if (!ok) {
    auto d = resp.ok() ? pc8::Codec::decode_response(resp->body) : Result<pc8::Response>(resp.error());
    ok = d.ok() && std::holds_alternative<pc8::KdGrant>(std::get<pc8::KdResponse>(*d).outcome);
  }
  return ok;
}

std::string mib(long kib) { return std::to_string(kib / 1024.0); }

}  // namespace prose::load
