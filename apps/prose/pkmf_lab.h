// The PKMF lab of the campaign commands (`prose pkmf-crash`, `prose pkmf-soak`; docs/reliability.md): a work
// directory with a test PKI and a provisioned store, `prose pkmf` as a child process on ephemeral ports, and the
// Remote UE and relay clients that talk to it over real mutual TLS and UDP, as a UE and a relay do.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/mikey/delivery.h"
#include "prose/net/client.h"
#include "prose/pc8/error_codes.h"
#include "prose/pkmf/config.h"
#include "prose/store/store.h"
#include "prose/testbed/process.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::cli::lab {

inline constexpr std::uint32_t kRsc = 0x00abcd;  // the one Relay Service Code every lab UE and relay uses

struct LabOptions {
  std::vector<std::string> ues;             // IMSIs with a client certificate (they send Key Requests)
  std::vector<std::string> store_only_ues;  // IMSIs provisioned in the store without a certificate
  std::vector<std::string> relays;          // relay ids with a client certificate
  std::string store_url;                    // empty: SQLite in the lab directory
  int server_threads = 2;
  std::string log_level = "warn";
  bool keep = false;  // keep the directory (it holds pkmf.log) instead of removing it
};

// Writes the configuration (ports 0: ephemeral) and the PKI, provisions every UE and relay for kRsc.
// Throws Exit on failure.
class Lab {
 public:
  explicit Lab(const LabOptions& o);
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& config_path() const { return config_path_; }
  const pkmf::PkmfConfig& config() const { return cfg_; }
  std::string log_path() const { return (dir_ / "pkmf.log").string(); }
  // A client of the PKMF at `port` with the credential pki/<base>.pem ("ue-<imsi>", "relay-<id>").
  net::HttpsClientConfig client_config(const std::string& base, std::uint16_t port) const;
  std::unique_ptr<store::Store> open_store() const;  // throws Exit

 private:
  std::filesystem::path dir_;
  std::string config_path_;
  pkmf::PkmfConfig cfg_;
  bool keep_;
};

// `prose pkmf --config FILE` as a child process (this binary, /proc/self/exe); it dies with this process.
class PkmfChild {
 public:
  PkmfChild(std::string config_path, std::string log_path)
      : config_(std::move(config_path)), log_(std::move(log_path)) {}
  ~PkmfChild() { stop(SIGKILL); }
  PkmfChild(const PkmfChild&) = delete;
  PkmfChild& operator=(const PkmfChild&) = delete;

  // Starts it and waits until it printed its HTTPS port (its store is open and its sockets are bound).
  Result<std::uint16_t> start(std::chrono::milliseconds timeout);
  // Sends `sig` and reaps it (no-op when not running).
  void stop(int sig);
  pid_t pid() const { return process_.pid(); }

 private:
  std::string config_, log_;
  testbed::Process process_;  // its stdout piped here, its stderr appended to the log
};

struct Pruk {
  std::uint64_t id = 0;
  SecretBytes key;
};

// A Remote UE: its client certificate, a UDP socket on loopback for MIKEY, the MIKEY receiver with the PMKs from
// its Key Responses. Not thread-safe: one thread uses it at a time.
class RemoteUe {
 public:
  explicit RemoteUe(std::string imsi);
  ~RemoteUe();
  RemoteUe(const RemoteUe&) = delete;
  RemoteUe& operator=(const RemoteUe&) = delete;

  const std::string& imsi() const { return imsi_; }
  // A client for the PKMF (again after a restart: a new port).
  Status connect(const net::HttpsClientConfig& cfg);
  void disconnect() { client_.reset(); }
  // One Key Request (PRUK delivery start, naming no PRUK it holds): the PKMF grants a new PMK and pushes a new PRUK
  // by MIKEY. Ok when granted.
  Status key_request();
  // Waits up to `timeout` for a MIKEY PRUK delivery. A valid one is verified (the verification message goes back to
  // where it came from) and returned; anything else is counted in ignored() and skipped. nullopt on timeout or as
  // soon as `stop` is set.
  std::optional<Pruk> receive(std::chrono::milliseconds timeout, const std::atomic<bool>* stop = nullptr);
  std::uint64_t ignored() const { return ignored_; }
  const std::string& last_error() const { return last_error_; }

 private:
  std::string imsi_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  mikey::Receiver rx_;
  std::deque<Bytes> pmk_ids_;  // the PMKs of the latest Key Responses (a few: deliveries may still be on the way)
  std::unique_ptr<net::HttpsClient> client_;
  std::uint64_t ignored_ = 0;
  std::string last_error_;
};

// A relay's KD request for PRUK `p` (by PRUK ID, Relay Service Code kRsc); ok when the PKMF granted a KD that equals
// KD derived from the PRUK and the KD freshness parameter it returned (TS 33.303 A.7).
struct KdCheck {
  bool ok = false;
  std::optional<pc8::ErrorCode> refused;  // the PKMF answered with this PC8 error code
  std::string error;                      // otherwise what went wrong (transport, HTTP status, wrong KD)
};
KdCheck check_kd(net::HttpsClient& relay, const Pruk& p);

std::string lab_imsi(std::size_t i);  // "0010100" + 8 digits: 15-digit IMSIs of the lab

}  // namespace prose::cli::lab
