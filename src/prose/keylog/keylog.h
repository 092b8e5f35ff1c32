// The PC5 key log (docs/wireshark.md): what SSLKEYLOGFILE is to TLS, for one-to-one PC5 links and protected
// discovery. The agents write it only when asked (`[log] pc5_keylog` or the PROSE_KEYLOGFILE environment variable)
// and say so with a warning line; the Wireshark plugin (wireshark/) reads it to decrypt a capture.
//
// One line per security context, fields separated by single spaces, hex in lowercase (parsed case-insensitively):
//   PC5_LINK <remote UE L2 ID, 6 hex> <relay L2 ID, 6 hex> <KD-sess ID, 4 hex> <EEA 0..3> <EIA 0..3> <PEK, 32 hex>
//            <PIK, 32 hex>
//   PC5_DISCOVERY <RSC, 6 hex> <EEA 0..3> <DUIK, 64 hex> <DUSK, 64 hex or -> <DUCK, 64 hex or -> <mask hex or ->
// Lines starting with '#' and empty lines are ignored. The remote UE is the DCR sender (DIRECTION 0, profile.md 3).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "prose/ids/ids.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::keylog {

inline constexpr const char* kEnvVar = "PROSE_KEYLOGFILE";
inline constexpr std::string_view kLinkLabel = "PC5_LINK";
inline constexpr std::string_view kDiscoveryLabel = "PC5_DISCOVERY";
inline constexpr std::size_t kKeySize = 16;           // PEK, PIK: 128-bit algorithm keys
inline constexpr std::size_t kDiscoveryKeySize = 32;  // DUIK, DUSK, DUCK: the 256-bit A.8 outputs (prose/keys)
inline constexpr std::size_t kMaxMaskSize = 23;       // Encrypted_bits_mask (prose/discovery/protection.h)

// The keys of one KD-sess of one link.
struct LinkKeys {
  ids::Layer2Id remote_ue_l2;     // 24 bit
  ids::Layer2Id relay_l2;         // 24 bit
  ids::KdSessId kd_sess_id;       // never the unprotected value 0
  std::uint8_t eea = 0, eia = 0;  // 0..3
  SecretBytes pek, pik;           // 16 octets each
};

// The PSDK-derived keys of one Relay Service Code (DUSK / DUCK empty when not used).
struct DiscoveryKeys {
  ids::RelayServiceCode relay_service_code;  // 24 bit
  std::uint8_t eea = 0;                      // 0..3
  SecretBytes duik, dusk, duck;
  Bytes encrypted_bits_mask;  // empty: everything ciphered
};

// One line without the newline. kInvalidArgument for a value out of range or a key of the wrong size.
Result<std::string> format(const LinkKeys& k);
Result<std::string> format(const DiscoveryKeys& k);

// One parsed line: a link, a discovery key set, or nothing (comment / empty line).
using Entry = std::variant<std::monostate, LinkKeys, DiscoveryKeys>;
// kMalformed naming the field for anything that is not a line of the format above.
Result<Entry> parse_line(std::string_view line);

struct File {
  std::vector<LinkKeys> links;
  std::vector<DiscoveryKeys> discovery;
  std::vector<std::string> errors;  // "line N: ..." for every line that did not parse (the others are kept)
};
// Every line of a key log; duplicate lines (the relay and the Remote UE both log a link) are kept once.
File parse(std::string_view text);

// The key log path: `configured` when set, else the PROSE_KEYLOGFILE environment variable, else empty (off).
std::string resolve_path(const std::string& configured);

// Appends lines to a key log file (created 0600), one write(2) per line so that several processes can share it.
class Writer {
 public:
  static Result<std::unique_ptr<Writer>> open(const std::string& path);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Status write_line(const std::string& line);
  const std::string& path() const { return path_; }

 private:
  Writer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::mutex mu_;
};

}  // namespace prose::keylog
