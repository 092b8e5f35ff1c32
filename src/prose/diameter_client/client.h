// Diameter client the PKMF uses to reach the HSS/BSF (directly or through Diameter relays): TCP connect + CER/CEA,
// then requests (MAR for vectors and resynchronisation, GPR for GBA Push Info). A background thread reads the
// socket all the time, so the peer's DWR and DPR are answered while the client is idle (RFC 3539 3.4, RFC 6733
// 5.4); it sends its own DWR after Tw of silence and declares the connection failed after another silent Tw.
// disconnect() (and the destructor) sends DPR and waits for the DPA before closing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "prose/crypto/milenage.h"
#include "prose/diameter/message.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::diameter {

struct ClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3868;
  std::string origin_host = "pkmf.prose.lab";
  std::string origin_realm = "prose.lab";
  std::string destination_realm = "prose.lab";
  std::chrono::milliseconds timeout{5000};  // connect, and each request's answer
  std::chrono::seconds watchdog{30};        // Tw (RFC 3539 3.4.1: default 30 s, at least 6 s)
};

struct GpiResponse {
  Bytes gpi;                   // GBA-Push-Info
  std::uint64_t pruk_id = 0;   // NAF-SA-Identifier (P-TID)
  SecretBytes pruk;            // ME-Key-Material = Ks_(ext)_NAF
  std::uint32_t lifetime = 0;  // seconds, from Key-ExpiryTime
};

// Zn (TS 29.109): what the BSF returns for a B-TID and a NAF_Id.
struct ZnKey {
  std::string impi;          // User-Name
  SecretBytes ks_naf;        // ME-Key-Material = Ks_(ext)_NAF
  std::int64_t expires = 0;  // Key-ExpiryTime, Unix seconds
  std::int64_t created = 0;  // BootstrapInfoCreationTime, Unix seconds (0 when absent)
};

// The outcome code of an answer: Result-Code, or Experimental-Result-Code when `experimental`.
struct AnswerCode {
  std::uint32_t code = 0;
  bool experimental = false;
};

// The answer's outcome as a Status (docs/pkmf.md "Diameter results"): 2001 ok; 4001 kAuthFailed; 3002/3004
// (unable to deliver, too busy: worth another peer) kTimeout; Experimental-Result 5001/5401 kNotFound, 5402
// kDenied; every other code a permanent failure (kInvalidArgument for 5001/5004/5005/5009/5014 on our request,
// kUnsupported otherwise). Never kIo: that is kept for a dead transport. `code` gets the code found.
Status answer_status(const diameter::Message& ans, std::string_view what, AnswerCode& code);
// 3002 DIAMETER_UNABLE_TO_DELIVER or 3004 DIAMETER_TOO_BUSY (RFC 6733 7.1.3): another peer may succeed.
bool retry_elsewhere(const AnswerCode& code);

// A fresh End-to-End Identifier: high 12 bits from the clock, low 20 random at start, then counting (RFC 6733 3).
std::uint32_t next_end_to_end();

class HssClient {
 public:
  // Connects and performs CER/CEA (Zh and Zpn advertised). kIo on network failure, kDenied when the CEA is not 2001.
  static Result<std::unique_ptr<HssClient>> connect(const ClientConfig& config);
  ~HssClient();  // disconnect() when still open
  HssClient(const HssClient&) = delete;
  HssClient& operator=(const HssClient&) = delete;

  // MAR/MAA: one vector. kNotFound for an unknown user (Experimental-Result 5001).
  Result<crypto::AuthVector> get_auth_vector(std::string_view imsi);
  // MAR with SIP-Authorization = RAND || AUTS: the HSS resynchronises SQN and returns a fresh vector.
  // kAuthFailed when the HSS rejects AUTS (4001).
  Result<crypto::AuthVector> resync(std::string_view imsi, ByteView rand, ByteView auts);
  // GPR/GPA over Zpn. pruk_id 0 lets the BSF choose the P-TID. kNotFound (5401), kDenied (5402).
  Result<GpiResponse> get_gpi(std::string_view imsi, std::string_view impi, ByteView naf_id, std::uint64_t pruk_id,
                              std::uint32_t lifetime_s);
  // BIR/BIA over Zn (zn_client.cpp): Ks_(ext)_NAF for a B-TID. kNotFound for an unknown or expired B-TID (5403).
  Result<ZnKey> get_naf_key(std::string_view btid, ByteView naf_id);
  Status watchdog();    // DWR/DWA
  Status disconnect();  // DPR/DPA, then close

  // The requests and answers above, for a caller that retries them itself (same Session-Id and End-to-End
  // Identifier on every copy). The requests carry a fresh Session-Id and End-to-End Identifier 0.
  static diameter::Message mar_request(const ClientConfig& cfg, std::string_view imsi,
                                       const std::optional<Bytes>& rand_auts);
  static Result<crypto::AuthVector> maa_vector(const diameter::Message& maa);
  static diameter::Message gpr_request(const ClientConfig& cfg, std::string_view imsi, std::string_view impi,
                                       ByteView naf_id, std::uint64_t pruk_id, std::uint32_t lifetime_s,
                                       std::int64_t now);
  static diameter::Message bir_request(const ClientConfig& cfg, std::string_view btid, ByteView naf_id);
  // kMalformed when a success answer lacks User-Name, ME-Key-Material or Key-ExpiryTime.
  static Result<ZnKey> bia_key(const diameter::Message& bia);
  static Result<GpiResponse> gpa_response(const diameter::Message& gpa, std::uint64_t pruk_id, std::int64_t now);

  AnswerCode last_answer_code() const { return last_; }
  // False once the transport failed, the watchdog gave up, or the peer disconnected (DPR).
  bool alive() const;
  // The local IP address of the connection (sent as Host-IP-Address).
  const std::string& local_address() const;

  // Low level: send a request and wait for its answer. The Hop-by-Hop Identifier is always fresh; the End-to-End
  // Identifier is filled in when 0 (a retransmission keeps it and sets the T flag). kTimeout without an answer
  // within the configured timeout, kIo when the transport failed.
  Result<diameter::Message> transact(diameter::Message req);

 private:
  struct Impl;
  explicit HssClient(std::unique_ptr<Impl> impl);
  Result<crypto::AuthVector> mar(std::string_view imsi, std::optional<Bytes> rand_auts);
  static diameter::Message new_request(const ClientConfig& cfg, std::uint32_t command, std::uint32_t app,
                                       bool with_session);
  Status check_result(const diameter::Message& ans, std::string_view what);

  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  AnswerCode last_;
};

}  // namespace prose::diameter
