// Dissection and decryption of the project's PC5 traffic, independent of Wireshark (docs/wireshark.md): the
// Wireshark plugin (wireshark/) turns a Result into protocol tree items, one per Node, and experts; the fuzz target
// and the unit tests call the same functions. Every value is parsed with the project's own codecs and ciphers
// (prose/pc5, prose/pdcp, prose/discovery, prose/gba): one source of truth.
//
// Protocols and their display-filter names:
//   prose_sl     the emulated sidelink frame (agents/frame.h): layer-2 source and destination IDs
//   prose_pdcp   the one-to-one SL PDCP header (SDU type, R bits, KD-sess ID, SN), MAC-I and the COUNT
//   prose_pc5s   TS 24.334 PC5 signalling, every IE with its name and value
//   prose_disc   relay discovery (protected 29-octet PDUs; the agents' 4-octet unprotected form)
//   prose_gpi    GBA Push Info (in a DSMC here; the plugin also calls it for PC8 XML)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "prose/keylog/keylog.h"
#include "prose/pdcp/entity.h"
#include "prose/util/bytes.h"

namespace prose::dissect {

enum class Proto : std::uint8_t { kSl, kPdcp, kPc5s, kDisc, kGpi };
inline constexpr std::size_t kProtoCount = 5;
struct ProtoInfo {
  Proto id;
  const char* name;  // long name
  const char* short_name;
  const char* filter;  // display-filter name
};
extern const std::array<ProtoInfo, kProtoCount> kProtos;

enum class Kind : std::uint8_t { kProtocol, kLabel, kU8, kU16, kU24, kU32, kU64, kBytes, kString, kBool };
enum class Base : std::uint8_t { kNone, kDec, kHex };

// Every field of every protocol (THE field table; the plugin registers one hf per row).
enum class Field : std::uint16_t {
  // prose_sl
  kSlSrc,
  kSlDst,
  // prose_pdcp
  kPdcpSduType,
  kPdcpReserved,
  kPdcpKdSessId,
  kPdcpSn,
  kPdcpCount,
  kPdcpBearer,
  kPdcpDirection,
  kPdcpMacI,
  kPdcpMacOk,
  kPdcpCiphered,
  kPdcpEncrypted,
  kPdcpDeciphered,
  kPdcpUserData,
  // prose_pc5s
  kPc5sMsgType,
  kPc5sSeq,
  kPc5sIe,
  kPc5sIei,
  kPc5sIeLength,
  kPc5sUserInfoType,
  kPc5sPrukId,
  kPc5sImsi,
  kPc5sIpAddressConfig,
  kPc5sMaxInactivity,
  kPc5sNonce1,
  kPc5sNonce2,
  kPc5sCapsEea,
  kPc5sCapsEia,
  kPc5sChosenEea,
  kPc5sChosenEia,
  kPc5sMsbKdSessId,
  kPc5sLsbKdSessId,
  kPc5sKdId,
  kPc5sMsbKdId,
  kPc5sLsbKdId,
  kPc5sKdFreshness,
  kPc5sCause,
  kPc5sReleaseReason,
  kPc5sKeepaliveCounter,
  kPc5sLinkLocalIpv6,
  kPc5sRand,
  kPc5sAuts,
  kPc5sAuthFlag,
  kPc5sSignature,
  kPc5sEncryptedPayload,
  kPc5sRsc,
  kPc5sImei,
  kPc5sRemoteUeInfoType,
  kPc5sGpi,
  // prose_disc
  kDiscType,
  kDiscRsc,
  kDiscUserInfo,
  kDiscL2Id,
  kDiscUrds,
  kDiscStatus,
  kDiscSpare,
  kDiscMic,
  kDiscMicOk,
  kDiscCounterLsb,
  kDiscCounter,
  kDiscProtected,
  kDiscPsdkRsc,
  // prose_gpi
  kGpiVersion,
  kGpiTlv,
  kGpiTag,
  kGpiLength,
  kGpiPTid,
  kGpiRand,
  kGpiAutn,
  kGpiAppLbl,
  kGpiNafId,
  kGpiKeyLifetime,
  kGpiKeyType,
  kGpiMac,
  kGpiValue,
  kCount_
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::kCount_);
struct FieldInfo {
  Field id;
  Proto proto;
  const char* abbrev;  // display-filter field name, e.g. "prose_pdcp.mac_ok"
  const char* name;
  Kind kind;
  Base base;
};
extern const std::array<FieldInfo, kFieldCount> kFields;

// Expert infos: what the plugin flags instead of staying silent.
enum class Expert : std::uint8_t {
  kMacIncorrect,        // MAC-I does not verify with the key log's PIK (error)
  kReplay,              // COUNT seen before on this bearer and direction (warning)
  kUnknownMessageType,  // PC5 signalling message type not in TS 24.334's table (warning)
  kTruncated,           // a field or IE runs past the end (warning)
  kUndecodable,         // the project's codec refuses the message, with its reason (warning)
  kNoKeys,              // ciphered, and no key in the key log for it (note)
  kMicIncorrect,        // protected discovery: no discovery key set verifies the MIC (note: other RSCs exist)
  kReservedBits,        // PDCP R bits not zero (note: ignored by the receiver, 36.323 6.3.6)
  kNotIp,               // SDU type IP that is no IP packet (the emulation's application datagrams) (note)
  kCount_
};
inline constexpr std::size_t kExpertCount = static_cast<std::size_t>(Expert::kCount_);
enum class Severity : std::uint8_t { kNote, kWarn, kError };
enum class Group : std::uint8_t { kChecksum, kSequence, kMalformed, kProtocol, kDecryption, kUndecoded };
struct ExpertInfo {
  Expert id;
  Proto proto;
  const char* abbrev;
  const char* summary;
  Severity severity;
  Group group;
};
extern const std::array<ExpertInfo, kExpertCount> kExperts;

const FieldInfo& field_info(Field f);
const ExpertInfo& expert_info(Expert e);

struct Flag {
  Expert id;
  std::string text;
};

// One tree item: a field of buffer `buffer` (0: the frame given to dissect(), 1..: Result::buffers[buffer - 1])
// at [offset, offset + length), its value (integers; booleans as 0/1) and its display text.
struct Node {
  Field field;
  Proto proto;  // for kProtocol nodes: which protocol
  std::size_t buffer = 0;
  std::size_t offset = 0, length = 0;
  std::uint64_t value = 0;
  std::string text;
  bool generated = false;  // computed, not on the wire (COUNT, MAC-I verdict, ...)
  std::vector<Node> children;
  std::vector<Flag> flags;
};

struct Buffer {
  std::string name;  // "Deciphered PC5 signalling", ...
  Bytes data;
};

// Decrypted (or unprotected) user data for the layer above.
enum class Handoff : std::uint8_t { kNone, kIp, kArp, kData };

struct Result {
  std::vector<Node> tree;  // top-level protocol nodes
  std::vector<Buffer> buffers;
  std::string protocol;  // the Protocol column: the innermost protocol
  std::string info;      // the Info column
  Handoff handoff = Handoff::kNone;
  std::size_t handoff_buffer = 0, handoff_offset = 0, handoff_length = 0;
};

struct FrameInput {
  std::uint32_t number = 0;       // frame number (cache key for what the first pass found)
  std::int64_t unix_seconds = 0;  // capture time (discovery: the UTC-based counter)
  ByteView data;                  // the UDP payload
};

// Is this the start of an emulated sidelink frame carrying something we know? (the plugin's heuristic)
bool looks_like_sidelink(ByteView data);

// One capture's dissection state: the key log, and per direction and bearer the PDCP receive entities that
// reconstruct COUNT and detect replays. Frames are first seen in capture order; what a frame's first dissection
// found is kept, so dissecting it again (Wireshark's GUI does) gives the same tree.
class Dissector {
 public:
  Dissector();
  ~Dissector();
  Dissector(const Dissector&) = delete;
  Dissector& operator=(const Dissector&) = delete;

  // New keys (and a fresh start: the per-frame memory and the PDCP state are dropped).
  void set_keys(keylog::File keys);
  const keylog::File& keys() const { return keys_; }
  // A new capture (or a new first pass): drop the per-frame memory and the PDCP state.
  void reset();

  // The emulated sidelink frame and everything inside. Never fails: whatever cannot be read is flagged.
  Result dissect_sidelink(const FrameInput& in);
  // A GPI on its own (e.g. from PC8 XML).
  Result dissect_gpi(ByteView gpi);

 private:
  struct Rx;
  struct Memo;
  keylog::File keys_;
  std::map<std::tuple<std::size_t, std::uint8_t, std::uint8_t>, std::unique_ptr<Rx>> rx_;  // (link, bearer, dir)
  std::map<std::uint32_t, Memo> memo_;
  // A 29-octet unicast PDU is a Model B discovery response or a PDCP PDU; whose protection does not open (no
  // key) is told apart by the link: once a pair of layer-2 IDs has exchanged unprotected PC5 signalling (a DCR
  // starts every link) it carries PDCP, before that discovery. The first pass's decision is kept per frame.
  std::set<std::pair<std::uint32_t, std::uint32_t>> links_;  // (lower, higher) layer-2 ID
  std::map<std::uint32_t, bool> is_discovery_;               // frame number -> decision
  friend class Walker;
};

}  // namespace prose::dissect
