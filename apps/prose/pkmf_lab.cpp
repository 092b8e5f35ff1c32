#include "pkmf_lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <regex>

#include "cli.h"
#include "prose/keys/prose_keys.h"
#include "prose/pc8/codec.h"
#include "prose/testbed/process.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::cli::lab {

namespace fs = std::filesystem;

std::string lab_imsi(std::size_t i) {
  std::string n = std::to_string(i);
  return "0010100" + std::string(8 - std::min<std::size_t>(8, n.size()), '0') + n;
}

Lab::Lab(const LabOptions& o) : keep_(o.keep) {
  dir_ = fs::temp_directory_path() / ("prose-pkmf-lab-" + to_hex_u64(random_u64()));
  pkmf::ExampleConfigOptions ex;
  ex.dir = dir_.string();
  ex.port = 0;
  ex.mikey_port = 0;
  ex.hss_port = std::nullopt;
  ex.ue_imsis = o.ues;
  ex.relay_ids = o.relays;
  ex.store_url = o.store_url;
  config_path_ = or_exit(pkmf::write_example_config(ex), "lab configuration", kExitFailure);
  {
    std::ifstream in(config_path_);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text = std::regex_replace(text, std::regex("threads = 2"), "threads = " + std::to_string(o.server_threads));
    text = std::regex_replace(text, std::regex("log_level = \"info\""), "log_level = \"" + o.log_level + "\"");
    std::ofstream(config_path_) << text;
  }
  cfg_ = or_exit(pkmf::load_config(config_path_), "lab configuration", kExitFailure);
  auto s = open_store();
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> ues;
  for (const auto* list : {&o.ues, &o.store_only_ues})
    for (const auto& imsi : *list) ues.push_back({imsi, {kRsc}});
  or_exit(s->bulk_upsert_ues(ues, std::time(nullptr), nullptr), "provision the UEs", kExitFailure);
  for (const auto& r : o.relays) or_exit(s->upsert_relay(r, {kRsc}), "provision relay " + r, kExitFailure);
}

Lab::~Lab() {
  std::error_code ec;
  if (!keep_) fs::remove_all(dir_, ec);
}

net::HttpsClientConfig Lab::client_config(const std::string& base, std::uint16_t port) const {
  net::HttpsClientConfig c;
  c.port = port;
  c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
  c.tls.cert_file = (dir_ / "pki" / (base + ".pem")).string();
  c.tls.key_file = (dir_ / "pki" / (base + ".key")).string();
  c.tls.server_name = "pkmf.prose.test";
  c.tls.keylog_from_env = false;
  return c;
}

std::unique_ptr<store::Store> Lab::open_store() const {
  return or_exit(store::open_store(cfg_.store_url, cfg_.kek), "open the store", kExitFailure);
}

Result<std::uint16_t> PkmfChild::start(std::chrono::milliseconds timeout) {
  if (process_.pid() > 0) return fail(Errc::kState, "the PKMF is running");
  testbed::SpawnOptions o;
  o.argv = {testbed::self_exe(), "pkmf", "--config", config_};
  o.log = log_;  // stderr; stdout is read here
  o.append_log = true;
  o.log_mode = 0600;
  o.pipe_stdout = true;
  o.die_with_parent = true;  // never outlive the campaign
  o.close_other_fds = true;  // no client socket of ours stays open in the PKMF
  PROSE_TRY(process_, testbed::Process::spawn(std::move(o)));
  // "pkmf: listening on https port N, mikey port M"
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{process_.stdout_fd(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      stop(SIGKILL);
      return fail(Errc::kTimeout, "the PKMF did not start within " + std::to_string(timeout.count()) + " ms");
    }
    char buf[256];
    ssize_t n = ::read(process_.stdout_fd(), buf, sizeof buf);
    if (n <= 0) {
      stop(SIGKILL);
      return fail(Errc::kIo, "the PKMF exited at start (see " + log_ + ")");
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("https port ([0-9]+)"))) {
    stop(SIGKILL);
    return fail(Errc::kMalformed, "unexpected PKMF output: " + line);
  }
  return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

void PkmfChild::stop(int sig) {
  if (process_.pid() <= 0) return;
  process_.signal(sig);
  if (!process_.wait(std::chrono::minutes(10))) process_.stop();
  process_ = testbed::Process();  // closes its stdout
}

RemoteUe::RemoteUe(std::string imsi) : imsi_(std::move(imsi)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw Exit(kExitFailure, "cannot bind a UDP socket on loopback");
  port_ = ntohs(a.sin_port);
}

RemoteUe::~RemoteUe() { ::close(fd_); }

Status RemoteUe::connect(const net::HttpsClientConfig& cfg) {
  PROSE_TRY(client_, net::HttpsClient::create(cfg));
  return ok_status();
}

Status RemoteUe::key_request() {
  if (!client_) return fail(Errc::kState, "not connected");
  pc8::PrukRequest r;
  r.transaction_id.value = random_u32();
  r.ue_address = pc8::UeAddress{"127.0.0.1", port_};
  PROSE_TRY(std::string body, pc8::Codec::encode(pc8::Request(r)));
  PROSE_TRY(auto resp, client_->post("/prose/pc8", pc8::kContentType, body));
  if (resp.status != 200) return fail(Errc::kIo, "HTTP " + std::to_string(resp.status));
  PROSE_TRY(auto decoded, pc8::Codec::decode_response(resp.body));
  auto* pr = std::get_if<pc8::PrukResponse>(&decoded);
  if (pr == nullptr) return fail(Errc::kMalformed, "not a PRUK response");
  if (auto* e = std::get_if<pc8::ErrorCode>(&pr->outcome))
    return fail(Errc::kDenied, "refused: " + std::string(pc8::error_code_name(*e)));
  auto* grant = std::get_if<pc8::PrukGrant>(&pr->outcome);
  if (grant == nullptr || !grant->pmk) return fail(Errc::kMalformed, "no grant with a PMK");
  Bytes pmk_id(8), ktid(4);
  for (int i = 0; i < 8; ++i) pmk_id[i] = static_cast<std::uint8_t>(grant->pmk->pmk_id.value >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) ktid[i] = static_cast<std::uint8_t>(grant->key_type_id.value >> (24 - 8 * i));
  rx_.add_pmk(pmk_id, grant->pmk->pmk.clone());
  pmk_ids_.push_back(pmk_id);
  if (pmk_ids_.size() > 4) {
    rx_.remove_pmk(pmk_ids_.front());
    pmk_ids_.pop_front();
  }
  return rx_.add_key_type(ktid, mikey::KeyClass::kPruk);
}

std::optional<Pruk> RemoteUe::receive(std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (stop != nullptr && stop->load()) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    int slice = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 50));
    int ready = ::poll(&p, 1, slice);
    if (ready <= 0) {
      if (left.count() <= 0) return std::nullopt;
      continue;
    }
    std::uint8_t buf[4096];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    auto opened = rx_.open(ByteView(buf, static_cast<std::size_t>(n)), mikey::ntp_now());
    if (!opened.ok() || opened->key_request_trigger || opened->key_class != mikey::KeyClass::kPruk) {
      ++ignored_;
      if (!opened.ok()) last_error_ = "MIKEY: " + opened.error().to_string();
      continue;
    }
    if (opened->verification_message) {
      ::sendto(fd_, opened->verification_message->data(), opened->verification_message->size(), 0,
               reinterpret_cast<sockaddr*>(&from), len);
    }
    return Pruk{opened->key_id, opened->key.clone()};
  }
}

KdCheck check_kd(net::HttpsClient& relay, const Pruk& p) {
  KdCheck out;
  pc8::KdRequest r;
  r.transaction_id.value = random_u32();
  r.remote_ue = ids::PrukId{p.id};
  r.relay_service_code.value = kRsc;
  auto body = pc8::Codec::encode(pc8::Request(r));
  if (!body.ok()) {
    out.error = body.error().to_string();
    return out;
  }
  auto resp = relay.post("/prose/pc8", pc8::kContentType, *body);
  if (!resp.ok()) {
    out.error = resp.error().to_string();
    return out;
  }
  if (resp->status != 200) {
    out.error = "HTTP " + std::to_string(resp->status);
    return out;
  }
  auto decoded = pc8::Codec::decode_response(resp->body);
  auto* kr = decoded.ok() ? std::get_if<pc8::KdResponse>(&*decoded) : nullptr;
  if (kr == nullptr) {
    out.error = "not a KD response";
    return out;
  }
  if (auto* e = std::get_if<pc8::ErrorCode>(&kr->outcome)) {
    out.refused = *e;
    out.error = std::string(pc8::error_code_name(*e));
    return out;
  }
  const auto& grant = std::get<pc8::KdGrant>(kr->outcome);
  auto kd = keys::derive_kd(p.key.view(), grant.kd_freshness.view());
  out.ok = kd.ok() && *kd == grant.kd;
  if (!out.ok) out.error = "KD differs from the one derived from the PRUK";
  return out;
}

}  // namespace prose::cli::lab
