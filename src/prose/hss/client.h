// Blocking Diameter client the PKMF uses to reach the HSS/BSF: TCP connect + CER/CEA, then one request at a time
// (MAR for vectors and resynchronisation, GPR for GBA Push Info), DWR/DWA watchdog and DPR/DPA on close.
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

namespace prose::hss {

struct ClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3868;
  std::string origin_host = "pkmf.prose.lab";
  std::string origin_realm = "prose.lab";
  std::string destination_realm = "prose.lab";
  std::chrono::milliseconds timeout{5000};
};

struct GpiResponse {
  Bytes gpi;                   // GBA-Push-Info
  std::uint64_t pruk_id = 0;   // NAF-SA-Identifier (P-TID)
  SecretBytes pruk;            // ME-Key-Material = Ks_(ext)_NAF
  std::uint32_t lifetime = 0;  // seconds, from Key-ExpiryTime
};

// The outcome code of the last answer: Result-Code, or Experimental-Result-Code when `experimental`.
struct AnswerCode {
  std::uint32_t code = 0;
  bool experimental = false;
};

class HssClient {
 public:
  // Connects and performs CER/CEA (Zh and Zpn advertised). kIo on network failure, kDenied when the CEA is not 2001.
  static Result<std::unique_ptr<HssClient>> connect(const ClientConfig& config);
  ~HssClient();
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
  Status watchdog();    // DWR/DWA
  Status disconnect();  // DPR/DPA, then close

  AnswerCode last_answer_code() const { return last_; }

  // Low level: send a request (hop-by-hop / end-to-end ids are filled in) and wait for its answer.
  Result<diameter::Message> transact(diameter::Message req);

 private:
  struct Impl;
  explicit HssClient(std::unique_ptr<Impl> impl);
  Result<crypto::AuthVector> mar(std::string_view imsi, std::optional<Bytes> rand_auts);
  diameter::Message new_request(std::uint32_t command, std::uint32_t app, bool with_session);
  Status check_result(const diameter::Message& ans, std::string_view what);

  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  AnswerCode last_;
};

}  // namespace prose::hss
