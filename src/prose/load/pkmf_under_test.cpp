#include "prose/load/pkmf_under_test.h"

#include <chrono>
#include <regex>
#include <thread>

#include "prose/ids/ids.h"
#include "prose/load/abort.h"
#include "prose/pc8/codec.h"
#include "prose/util/random.h"

namespace prose::load {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

PkmfUnderTest::PkmfUnderTest(const PkmfLoadOptions& o) : o_(o) {
  dir_ = fs::temp_directory_path() / ("prose-pkmf-load-" + std::to_string(random_u64()));
}

PkmfUnderTest::~PkmfUnderTest() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PkmfUnderTest::setup(std::ostream& err) {
  setup_ = write_pkmf_setup(dir_.string(), o_.port, o_.store, [this](std::string text) {
    text = std::regex_replace(text, std::regex("threads = 2"), "threads = " + std::to_string(o_.server_threads));
    // Another binary may predate [connections]; the example's values are the defaults anyway.
    if (!o_.pkmf_bin.empty()) text = std::regex_replace(text, std::regex(R"(\[connections\][^\[]*)"), "");
    return text;
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
}

void PkmfUnderTest::start() {
  testbed::SpawnOptions so;
  so.argv = {o_.pkmf_bin.empty() ? testbed::self_exe() : o_.pkmf_bin, "pkmf", "--config", setup_.config_path};
  so.keep_stderr = true;  // its warnings show; its stdout ("Listening ...") does not
  process_ = must(testbed::Process::spawn(std::move(so)), "start the PKMF");
  bool ready = false;
  for (int i = 0; i < 200 && !ready && process_.alive(); ++i) {
    auto c = client();
    ready = c.ok() && (*c)->get("/metrics").ok();
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) {
    stop();
    failure("the PKMF did not come up");
  }
}

void PkmfUnderTest::stop() { process_.stop(std::chrono::seconds(30)); }

Result<std::unique_ptr<net::HttpsClient>> PkmfUnderTest::client(bool resume) const {
  return relay_client((dir_ / "pki").string(), o_.port, resume);
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
