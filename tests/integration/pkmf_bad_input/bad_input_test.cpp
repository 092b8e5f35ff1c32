// The bad-input matrix of issue 17 (docs/reliability.md "The bad-input matrix"). One PKMF server (pkmf::PkmfServer,
// wired as `prose pkmf` wires it, SQLite store) runs in this process on an ephemeral port; every case connects to it
// over real mutual TLS (or raw TCP), sends one hostile or malformed input and checks the answer. After each case:
//   - the store did not change (Store::check: the same digest before and after, and no problem found);
//   - a good relay is still served: a fresh connection and a KD request whose KD is checked against the PRUK.
// The slow cases also check that a relay is served while the slow client is still connected.
//
// Cases that wait for the fix of an issue 17 defect carry its number; while that number is in kPendingDefects the
// case is skipped with "defect N pending". After merging the fix, remove the number from kPendingDefects
// (PROSE_RUN_PENDING=1 runs the pending cases too).
//
// `pkmf_bad_input_test --markdown` prints the matrix as the table in docs/reliability.md; a test checks that the
// document carries exactly that table.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "prose/keys/prose_keys.h"
#include "prose/net/client.h"
#include "prose/net/pki.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/server.h"
#include "prose/util/log.h"
#include "prose/util/random.h"

namespace prose {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using pc8::ErrorCode;

// Issue 17 defects whose fixes are not merged yet: their cases are skipped. Remove a number once its fix is in.
//   9: /metrics only for an operator role (or on its own listener)
//  10: libxml2 decides well-formedness (content after the root element is refused)
//  11: key exchange only over X25519, P-256 and P-384 (no ffdhe2048)
constexpr std::array<int, 0> kPendingDefects{};  // none: defects 9, 10 and 11 are fixed

// PROSE_RUN_PENDING=1 runs them anyway (to see which of them the tree at hand passes).
bool pending(int defect) {
  const char* all = std::getenv("PROSE_RUN_PENDING");
  if (all != nullptr && std::string(all) == "1") return false;
  return std::find(kPendingDefects.begin(), kPendingDefects.end(), defect) != kPendingDefects.end();
}

// ---------------------------------------------------------------------------------------------------------------
// What the server is given.

constexpr const char* kUe1 = "001010000000001";        // provisioned for RSC 00abcd, owns the known PRUK
constexpr const char* kUe2 = "001010000000002";        // provisioned for RSC 00abcd
constexpr const char* kUeUnknown = "001010000000009";  // a valid certificate, not provisioned
constexpr const char* kKnownPrukId = "1122334455667788";

// A KD request from a relay for the known PRUK: what most XML cases start from. Were a broken variant of it accepted,
// the PKMF would derive a KD and write its audit row: the store digest would show it.
const std::string kKdRequest = R"(<?xml version="1.0" encoding="UTF-8"?>
<KEY_REQUEST xmlns="urn:prose-relay-security:ns:pc8:1">
  <transaction-ID>3</transaction-ID>
  <KD-request>
    <PRUK-ID>1122334455667788</PRUK-ID>
    <relay-service-code>00abcd</relay-service-code>
  </KD-request>
</KEY_REQUEST>
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  if (at == std::string::npos) std::abort();  // a table typo: fail loudly
  return s.replace(at, from.size(), to);
}
std::string kd(const std::string& from, const std::string& to) { return replace(kKdRequest, from, to); }

std::string pruk_request() {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<KEY_REQUEST xmlns="urn:prose-relay-security:ns:pc8:1">
  <transaction-ID>1</transaction-ID>
  <PRUK-request>
    <PRUK-delivery>start</PRUK-delivery>
    <UE-IP-address>127.0.0.1</UE-IP-address>
    <UE-port>9</UE-port>
  </PRUK-request>
</KEY_REQUEST>
)";
}
std::string discovery_request(const std::string& rsc) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<KEY_REQUEST xmlns="urn:prose-relay-security:ns:pc8:1">
  <transaction-ID>6</transaction-ID>
  <discovery-key-request>
    <relay-service-code>)" +
         rsc + R"(</relay-service-code>
  </discovery-key-request>
</KEY_REQUEST>
)";
}
std::string pgk_request() {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<KEY_REQUEST xmlns="urn:prose-relay-security:ns:pc8:1">
  <transaction-ID>4</transaction-ID>
  <PGK-request>
    <group>
      <group-ID>00beef</group-ID>
      <supported-algorithm>2</supported-algorithm>
    </group>
  </PGK-request>
</KEY_REQUEST>
)";
}

// HTTP/1.1 framing. Every request asks the server to close after answering, so a case reads until the end.
constexpr const char* kCt = "application/vnd.3gpp.prose-pc8+xml";
std::string post(const std::string& body, const std::string& headers = "", const std::string& target = "/prose/pc8") {
  return "POST " + target + " HTTP/1.1\r\nHost: pkmf.prose.test\r\nContent-Type: " + kCt +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + headers + "\r\n" + body;
}
std::string bare(const std::string& method, const std::string& target, const std::string& headers = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: pkmf.prose.test\r\nConnection: close\r\n" + headers + "\r\n";
}

std::string nested(int depth) {
  std::string open, close;
  for (int i = 0; i < depth; ++i) {
    open += "<n>";
    close += "</n>";
  }
  return kd("<relay-service-code>", open + close + "<relay-service-code>");
}

std::string billion_laughs() {
  std::string dtd = "<!DOCTYPE KEY_REQUEST [\n  <!ENTITY l0 \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    dtd += "  <!ENTITY l" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&l" + std::to_string(i - 1) + ";";
    dtd += "\">\n";
  }
  dtd += "]>\n";
  return replace(kd("<transaction-ID>3<", "<transaction-ID>3&l9;<"), "<KEY_REQUEST", dtd + "<KEY_REQUEST");
}

std::string chunked(const std::string& body) {
  std::ostringstream s;
  s << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
  return s.str();
}

// ---------------------------------------------------------------------------------------------------------------
// The matrix.

enum class Expect {
  kStatus,   // these HTTP statuses, in order (pipelined requests answer in order)
  kPc8,      // HTTP 200 carrying this PC8 error code (for a discovery request: for every Relay Service Code)
  kRefused,  // the TLS handshake is refused by the server (an alert or a close; no HTTP answer)
  kClosed,   // the server closes the connection without an answer (or with 408)
};

// One piece of what a client sends, after a pause.
struct Chunk {
  std::string bytes;
  int pause_ms = 0;
};

// Who connects, and how.
struct Conn {
  std::string cred = "relay-r1";  // pki/<cred>.pem and .key; empty = no client certificate
  bool tcp = false;               // raw TCP, no TLS
  int max_version = 0;            // OpenSSL TLS1_x_VERSION; 0 = the library's default
  int min_version = 0;
  std::string ciphers;  // TLS 1.2 cipher list (prefix "@SECLEVEL=0:" to offer old ones)
  std::string suites;   // TLS 1.3 suites
  std::string groups;   // key exchange groups
};

struct Case {
  std::string id;     // [a-z0-9_]: the test's name
  std::string group;  // the docs table's section
  std::string what;   // one line
  int defect = 0;     // waits for the fix of this issue 17 defect
  Conn conn;
  std::vector<Chunk> send;
  Expect expect = Expect::kStatus;
  std::vector<int> statuses;
  ErrorCode code{};
  double closed_within_s = 0;  // > 0: the server must have closed the connection by then (after its answers)
  bool slow = false;           // a relay must be served while this client is connected
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

Case http(std::string id, std::string group, std::string what, std::vector<Chunk> send, std::vector<int> statuses,
          Conn conn = {}) {
  Case c;
  c.id = std::move(id);
  c.group = std::move(group);
  c.what = std::move(what);
  c.send = std::move(send);
  c.statuses = std::move(statuses);
  c.conn = std::move(conn);
  return c;
}
// A PC8 document POSTed by relay r1 that must be refused with 400.
Case xml(std::string id, std::string what, std::string body, int defect = 0) {
  Case c = http(std::move(id), "XML", std::move(what), {{post(body)}}, {400});
  c.defect = defect;
  return c;
}
Case pc8_error(std::string id, std::string what, std::string cred, std::string body, ErrorCode code) {
  Case c = http(std::move(id), "Authorisation", std::move(what), {{post(body)}}, {});
  c.conn.cred = std::move(cred);
  c.expect = Expect::kPc8;
  c.code = code;
  return c;
}
Case refused(std::string id, std::string what, Conn conn, int defect = 0) {
  Case c = http(std::move(id), "TLS and certificates", std::move(what), {{post(kKdRequest)}}, {}, std::move(conn));
  c.expect = Expect::kRefused;
  c.defect = defect;
  return c;
}
Case slow(std::string id, std::string what, std::vector<Chunk> send, double within, Conn conn = {}) {
  Case c = http(std::move(id), "Slow clients", std::move(what), std::move(send), {}, std::move(conn));
  c.expect = Expect::kClosed;
  c.closed_within_s = within;
  c.slow = true;
  return c;
}

// The server under test closes a connection whose request has not arrived within 1 s (handshake, request, keep-alive
// idle): the limits below. A slow client must be gone well before it could finish.
constexpr auto kTimeout = std::chrono::milliseconds(1000);
constexpr double kCutWithin = 4.0;  // seconds: 1 s limit + room for a busy machine

std::vector<Chunk> trickle(const std::string& s, int pause_ms) {
  std::vector<Chunk> out;
  for (char ch : s) out.push_back({std::string(1, ch), pause_ms});
  return out;
}

const std::vector<Case>& matrix() {
  static const std::vector<Case> k = [] {
    std::vector<Case> m;
    // --- Malformed and hostile XML: relay r1 POSTs a broken KD request for a PRUK it could get a KD for.
    m.push_back(xml("xml_truncated", "document cut in the middle", kKdRequest.substr(0, 120)));
    m.push_back(xml("xml_empty", "empty body", ""));
    m.push_back(xml("xml_declaration_only", "only the XML declaration", "<?xml version=\"1.0\"?>\n"));
    m.push_back(xml("xml_not_xml", "a JSON body", "{\"PRUK-ID\": \"1122334455667788\"}"));
    m.push_back(xml("xml_wrong_namespace", "root in another namespace",
                    kd("urn:prose-relay-security:ns:pc8:1", "urn:example:other")));
    m.push_back(
        xml("xml_no_namespace", "root without a namespace", kd(" xmlns=\"urn:prose-relay-security:ns:pc8:1\"", "")));
    m.push_back(xml("xml_response_root", "a KEY_RESPONSE sent as a request",
                    replace(kd("<KEY_REQUEST", "<KEY_RESPONSE"), "</KEY_REQUEST>", "</KEY_RESPONSE>")));
    m.push_back(xml("xml_unknown_root", "unknown root element",
                    replace(kd("<KEY_REQUEST", "<KEY_REQUESTS"), "</KEY_REQUEST>", "</KEY_REQUESTS>")));
    m.push_back(xml("xml_duplicate_pruk_id", "PRUK-ID twice",
                    kd("<relay-service-code>", "<PRUK-ID>1122334455667788</PRUK-ID><relay-service-code>")));
    m.push_back(xml("xml_duplicate_transaction_id", "transaction-ID twice",
                    kd("<KD-request>", "<transaction-ID>4</transaction-ID><KD-request>")));
    m.push_back(xml("xml_two_requests", "two KD-request elements",
                    kd("</KD-request>",
                       "</KD-request><KD-request><PRUK-ID>1122334455667788</PRUK-ID>"
                       "<relay-service-code>00abcd</relay-service-code></KD-request>")));
    m.push_back(xml("xml_missing_rsc", "relay-service-code missing",
                    kd("<relay-service-code>00abcd</relay-service-code>", "")));
    m.push_back(xml("xml_pruk_id_and_imsi", "PRUK-ID and IMSI both",
                    kd("<relay-service-code>", "<IMSI>001010000000001</IMSI><relay-service-code>")));
    m.push_back(xml("xml_empty_pruk_id", "empty PRUK-ID", kd("1122334455667788", "")));
    m.push_back(xml("xml_invalid_hex", "PRUK-ID not hex", kd("1122334455667788", "11223344556677zz")));
    m.push_back(xml("xml_short_hex", "PRUK-ID of 15 hex digits", kd("1122334455667788", "112233445566778")));
    m.push_back(xml("xml_long_hex", "PRUK-ID of 18 hex digits", kd("1122334455667788", "112233445566778899")));
    m.push_back(xml("xml_rsc_over_24_bits", "relay-service-code of 4 octets", kd("00abcd", "0100abcd")));
    m.push_back(xml("xml_huge_number", "transaction-ID of 30 digits",
                    kd("<transaction-ID>3<", "<transaction-ID>999999999999999999999999999999<")));
    m.push_back(xml("xml_negative_number", "negative transaction-ID", kd("<transaction-ID>3<", "<transaction-ID>-3<")));
    m.push_back(
        xml("xml_number_over_32_bits", "transaction-ID 2^32", kd("<transaction-ID>3<", "<transaction-ID>4294967296<")));
    m.push_back(xml("xml_billion_laughs", "DOCTYPE with nested entities (billion laughs)", billion_laughs()));
    m.push_back(xml("xml_external_entity", "external entity naming /etc/passwd",
                    replace(kd("<transaction-ID>3<", "<transaction-ID>&x;<"), "<KEY_REQUEST",
                            "<!DOCTYPE KEY_REQUEST [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<KEY_REQUEST")));
    m.push_back(xml("xml_external_dtd", "external DTD on the network",
                    replace(kKdRequest, "<KEY_REQUEST",
                            "<!DOCTYPE KEY_REQUEST SYSTEM \"http://127.0.0.1:9/pc8.dtd\">\n<KEY_REQUEST")));
    m.push_back(xml("xml_parameter_entity", "parameter entity in the internal subset",
                    replace(kKdRequest, "<KEY_REQUEST",
                            "<!DOCTYPE KEY_REQUEST [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>\n"
                            "<KEY_REQUEST")));
    m.push_back(xml("xml_xinclude", "XInclude element",
                    kd("<relay-service-code>",
                       "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
                       "href=\"file:///etc/passwd\"/><relay-service-code>")));
    m.push_back(xml("xml_undefined_entity", "reference to an undefined entity",
                    kd("<transaction-ID>3<", "<transaction-ID>&nope;<")));
    m.push_back(xml("xml_deep_nesting", "5,000 nested elements", nested(5000)));
    m.push_back(xml("xml_unknown_attribute", "unknown attribute on the root",
                    kd("<KEY_REQUEST ", "<KEY_REQUEST debug=\"1\" ")));
    m.push_back(xml("xml_text_in_element_content", "text between elements",
                    kd("<relay-service-code>", "junk<relay-service-code>")));
    m.push_back(
        xml("xml_nul_byte", "NUL byte in a value", kd("<transaction-ID>3<", std::string("<transaction-ID>3\0<", 19))));
    m.push_back(
        xml("xml_invalid_utf8", "invalid UTF-8 (0xff) in a value", kd("<transaction-ID>3<", "<transaction-ID>3\xff<")));
    m.push_back(xml("xml_overlong_utf8", "overlong UTF-8 encoding of '/'",
                    kd("<transaction-ID>3<", "<transaction-ID>3\xc0\xaf<")));
    m.push_back(
        xml("xml_control_character", "control character U+0001", kd("<transaction-ID>3<", "<transaction-ID>3\x01<")));
    m.push_back(xml("xml_mismatched_tag", "closing tag that does not match",
                    kd("</relay-service-code>", "</relay-service-cod>")));
    m.push_back(xml("xml_trailing_content", "a valid document, then a newline and '<'", kKdRequest + "\n<", 10));
    m.push_back(xml("xml_trailing_document", "a valid document twice", kKdRequest + kKdRequest));
    m.push_back(xml("xml_trailing_text", "a valid document, then text", kKdRequest + "trailing"));

    // --- HTTP framing and smuggling shapes (relay r1 over mutual TLS).
    const std::string body = kKdRequest;
    const std::string head = "POST /prose/pc8 HTTP/1.1\r\nHost: pkmf.prose.test\r\nContent-Type: " + std::string(kCt) +
                             "\r\nConnection: close\r\n";
    const std::string cl = "Content-Length: " + std::to_string(body.size()) + "\r\n";
    m.push_back(http("http_cl_and_te", "HTTP", "Content-Length and Transfer-Encoding: chunked (CL.TE)",
                     {{head + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"}}, {400}));
    m.push_back(http("http_te_and_cl", "HTTP", "Transfer-Encoding: chunked, then Content-Length (TE.CL)",
                     {{head + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + chunked(body)}}, {400}));
    m.push_back(http("http_two_content_lengths", "HTTP", "two different Content-Length fields",
                     {{head + cl + "Content-Length: 5\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_content_length_list", "HTTP", "Content-Length: 5, 7",
                     {{head + "Content-Length: 5, 7\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_content_length_sign", "HTTP", "Content-Length with a sign (+N)",
                     {{head + "Content-Length: +" + std::to_string(body.size()) + "\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_content_length_negative", "HTTP", "negative Content-Length",
                     {{head + "Content-Length: -1\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_content_length_text", "HTTP", "Content-Length not a number",
                     {{head + "Content-Length: abc\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_chunk_size_not_hex", "HTTP", "chunk size not hex",
                     {{head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n"}}, {400}));
    m.push_back(http("http_chunk_size_overflow", "HTTP", "chunk size beyond 64 bits",
                     {{head + "Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nx\r\n0\r\n\r\n"}}, {400}));
    m.push_back(http("http_te_unknown", "HTTP", "Transfer-Encoding: xchunked",
                     {{head + "Transfer-Encoding: xchunked\r\n\r\n" + chunked(body)}}, {400}));
    m.push_back(http("http_te_gzip_only", "HTTP", "Transfer-Encoding: gzip (not chunked last)",
                     {{head + "Transfer-Encoding: gzip\r\n" + cl + "\r\n" + body}}, {400}));
    // Obsolete line folding: RFC 9112 5.2 lets a server unfold it (replace it with SP) instead of refusing. The PKMF
    // unfolds; these KD requests name an unknown PRUK, so the answer shows the framing was read as one request.
    const std::string unknown = kd("1122334455667788", "0a0b0c0d0e0f0102");
    for (auto [id, what, fields, payload] :
         {std::tuple<std::string, std::string, std::string, std::string>{
              "http_te_obs_fold", "Transfer-Encoding: chunked folded onto a second line: unfolded, one request",
              "Transfer-Encoding:\r\n chunked\r\n", chunked(unknown)},
          {"http_obs_fold", "a header field folded onto a second line: unfolded, one request",
           "Content-Length: " + std::to_string(unknown.size()) + "\r\nX-Note: a\r\n b\r\n", unknown}}) {
      Case c = http(id, "HTTP", what, {{head + fields + "\r\n" + payload}}, {});
      c.expect = Expect::kPc8;
      c.code = ErrorCode::kUnknownPrukId;
      m.push_back(c);
    }
    m.push_back(http("http_bare_lf", "HTTP", "lines ended by bare LF",
                     {{"POST /prose/pc8 HTTP/1.1\nHost: pkmf.prose.test\nContent-Type: " + std::string(kCt) +
                       "\nContent-Length: " + std::to_string(body.size()) + "\nConnection: close\n\n" + body}},
                     {400}));
    m.push_back(http("http_space_before_colon", "HTTP", "space between field name and colon",
                     {{head + "Content-Length : " + std::to_string(body.size()) + "\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_field_without_colon", "HTTP", "header line without a colon",
                     {{head + cl + "NoColonHere\r\n\r\n" + body}}, {400}));
    m.push_back(http("http_nul_in_field", "HTTP", "NUL byte in a header value",
                     {{head + cl + std::string("X-Note: a\0b\r\n\r\n", 14) + body}}, {400}));
    m.push_back(http("http_bad_method_token", "HTTP", "method with a character outside token",
                     {{"PO@ST /prose/pc8 HTTP/1.1\r\nHost: pkmf.prose.test\r\nConnection: close\r\n\r\n"}}, {400}));
    m.push_back(
        http("http_version_0_9", "HTTP", "HTTP/0.9 request line (no version)", {{"GET /prose/pc8\r\n\r\n"}}, {400}));
    m.push_back(http("http2_preface", "HTTP", "HTTP/2 connection preface over HTTP/1.1 TLS",
                     {{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}}, {400}));
    m.push_back(http("http_absolute_form", "HTTP", "absolute-form target https://pkmf.prose.test/prose/pc8",
                     {{post(body, "", "https://pkmf.prose.test/prose/pc8")}}, {404}));
    m.push_back(
        http("http_asterisk_form", "HTTP", "POST to the asterisk-form target *", {{post(body, "", "*")}}, {404}));
    m.push_back(http("http_1_0", "HTTP", "HTTP/1.0 request for an unknown path",
                     {{"GET /nope HTTP/1.0\r\nHost: pkmf.prose.test\r\n\r\n"}}, {404}));
    m.push_back(http("http_pipelined", "HTTP", "two pipelined requests: both answered, in order",
                     {{"GET /nope HTTP/1.1\r\nHost: pkmf.prose.test\r\n\r\n" + bare("GET", "/nope2")}}, {404, 404}));
    m.push_back(http("http_pipelined_after_bad", "HTTP",
                     "a malformed request, then a KD request in the same write: 400, the second is not served",
                     {{head + "Content-Length: abc\r\n\r\n" + post(body)}}, {400}));
    m.push_back(http("http_body_longer_than_length", "HTTP",
                     "body longer than Content-Length: the excess is no second request",
                     {{"POST /prose/pc8 HTTP/1.1\r\nHost: pkmf.prose.test\r\nContent-Type: " + std::string(kCt) +
                       "\r\nContent-Length: 10\r\n\r\n" + body}},
                     {400}));

    // --- Oversized headers and bodies.
    m.push_back(http("size_header_field", "Sizes", "one header field of 9 KiB",
                     {{head + cl + "X-Big: " + std::string(9 * 1024, 'a') + "\r\n\r\n" + body}}, {431}));
    {
      std::string many;
      for (int i = 0; i < 800; ++i) many += "X-F" + std::to_string(i) + ": value\r\n";
      m.push_back(http("size_many_fields", "Sizes", "800 header fields (more than 8 KiB)",
                       {{head + cl + many + "\r\n"}}, {431}));
    }
    m.push_back(http("size_request_line", "Sizes", "request target of 9 KiB",
                     {{bare("GET", "/" + std::string(9 * 1024, 'a'))}}, {431}));
    m.push_back(http("size_body_declared", "Sizes", "Content-Length 70,000 (over 64 KiB)",
                     {{head + "Content-Length: 70000\r\n\r\n" + body}}, {413}));
    m.push_back(http("size_body_huge_declared", "Sizes", "Content-Length 10^18",
                     {{head + "Content-Length: 1000000000000000000\r\n\r\n"}}, {413}));
    m.push_back(http("size_body_chunked", "Sizes", "chunked body of 70,000 octets",
                     {{head + "Transfer-Encoding: chunked\r\n\r\n" + chunked(std::string(70000, ' '))}}, {413}));

    // --- Slow clients: the server cuts them off at its limits (1 s here) while it keeps serving others.
    m.push_back(
        slow("slow_no_handshake", "TCP connection that never starts TLS", {{"", 6000}}, kCutWithin, {.tcp = true}));
    m.push_back(slow("slow_partial_client_hello", "5 octets of a TLS record header, then nothing",
                     {{std::string("\x16\x03\x01\x02\x00", 5)}, {"", 6000}}, kCutWithin, {.tcp = true}));
    m.push_back(slow("slow_no_request", "TLS handshake, then no request", {{"", 6000}}, kCutWithin));
    m.push_back(
        slow("slow_headers", "request header one octet every 200 ms (slowloris)", trickle(head + cl, 200), kCutWithin));
    {
      std::vector<Chunk> s = {{head + cl + "\r\n"}};
      for (auto& c : trickle(body, 200)) s.push_back(c);
      m.push_back(slow("slow_body", "body one octet every 200 ms", s, kCutWithin));
    }
    {
      Case c = slow("slow_keep_alive_idle", "a request on a keep-alive connection, then nothing",
                    {{"GET /nope HTTP/1.1\r\nHost: pkmf.prose.test\r\n\r\n"}, {"", 6000}}, kCutWithin);
      c.expect = Expect::kStatus;
      c.statuses = {404};
      m.push_back(c);
    }

    // --- TLS and certificates: every fault is refused in the handshake, before any request is read.
    m.push_back(refused("tls_no_certificate", "no client certificate", {.cred = ""}));
    m.push_back(refused("tls_expired", "expired client certificate", {.cred = "expired"}));
    m.push_back(refused("tls_not_yet_valid", "client certificate valid only from tomorrow", {.cred = "not-yet-valid"}));
    m.push_back(refused("tls_foreign_ca", "client certificate from another CA", {.cred = "other"}));
    m.push_back(
        refused("tls_server_eku", "client certificate for serverAuth only (wrong EKU)", {.cred = "server-eku"}));
    m.push_back(refused("tls_ca_as_client", "a CA certificate (with a UE identity) as client certificate",
                        {.cred = "ca-as-client"}));
    m.push_back(refused("tls_no_identity", "client certificate without a ProSe identity", {.cred = "noid"}));
    m.push_back(
        refused("tls_two_identities", "client certificate with a UE and a relay identity", {.cred = "two-identities"}));
    m.push_back(refused("tls_bad_imsi", "client certificate with a 2-digit IMSI", {.cred = "bad-imsi"}));
    m.push_back(
        refused("tls_pkmf_certificate", "the PKMF's own server certificate as client certificate", {.cred = "pkmf"}));
    m.push_back(refused("tls_1_1", "client offering TLS 1.1 at most",
                        {.max_version = TLS1_1_VERSION, .min_version = TLS1_VERSION, .ciphers = "@SECLEVEL=0:ALL"}));
    m.push_back(
        refused("tls_cbc_only", "TLS 1.2 with CBC suites only",
                {.max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"}));
    m.push_back(refused("tls_rsa_key_exchange", "TLS 1.2 with static-RSA key exchange only",
                        {.max_version = TLS1_2_VERSION, .ciphers = "AES128-GCM-SHA256:AES256-GCM-SHA384"}));
    m.push_back(refused("tls_13_ccm_only", "TLS 1.3 with TLS_AES_128_CCM_SHA256 only",
                        {.min_version = TLS1_3_VERSION, .suites = "TLS_AES_128_CCM_SHA256"}));
    m.push_back(refused("tls_ffdhe_only", "TLS 1.3 offering only ffdhe2048 key exchange",
                        {.min_version = TLS1_3_VERSION, .groups = "ffdhe2048"}, 11));
    {
      Case c = http("tls_plain_http", "TLS and certificates", "plain HTTP on the TLS port", {{post(kKdRequest)}}, {},
                    {.tcp = true});
      c.expect = Expect::kClosed;
      c.closed_within_s = kCutWithin;
      m.push_back(c);
    }

    // --- Authorisation: the identity is the one the TLS keys carry; each role gets its own exchanges only.
    m.push_back(pc8_error("authz_ue_asks_kd", "a UE sends a KD request", "ue-" + std::string(kUe1), kKdRequest,
                          ErrorCode::kRelayNotAuthorised));
    m.push_back(pc8_error("authz_ue_asks_kd_for_other_ue", "a UE asks KD for another UE by IMSI",
                          "ue-" + std::string(kUe1),
                          kd("<PRUK-ID>1122334455667788</PRUK-ID>", "<IMSI>" + std::string(kUe2) + "</IMSI>"),
                          ErrorCode::kRelayNotAuthorised));
    m.push_back(pc8_error("authz_relay_asks_pruk", "a relay sends a PRUK Key Request", "relay-r1", pruk_request(),
                          ErrorCode::kUeNotAuthorised));
    m.push_back(pc8_error("authz_relay_asks_pgk", "a relay asks for group keys", "relay-r1", pgk_request(),
                          ErrorCode::kUnsupportedRequest));
    m.push_back(pc8_error("authz_unknown_ue", "a UE with a valid certificate but not provisioned asks for a PRUK",
                          "ue-" + std::string(kUeUnknown), pruk_request(), ErrorCode::kUeNotAuthorised));
    m.push_back(pc8_error("authz_unknown_relay", "a relay with a valid certificate but not provisioned asks KD",
                          "relay-r9", kKdRequest, ErrorCode::kRelayNotAuthorised));
    m.push_back(pc8_error("authz_relay_other_rsc", "relay r2 (serves 000777) asks KD under 00abcd", "relay-r2",
                          kKdRequest, ErrorCode::kUnknownRelayServiceCode));
    m.push_back(pc8_error("authz_relay_not_for_this_ue",
                          "relay r2 asks KD under its code 000777, which the UE may not use", "relay-r2",
                          kd("00abcd", "000777"), ErrorCode::kRelayNotAuthorisedForUe));
    m.push_back(pc8_error("authz_unknown_pruk_id", "relay r1 asks KD for an unknown PRUK ID", "relay-r1",
                          kd("1122334455667788", "0102030405060708"), ErrorCode::kUnknownPrukId));
    m.push_back(pc8_error("authz_unknown_imsi", "relay r1 asks KD for an unknown IMSI", "relay-r1",
                          kd("<PRUK-ID>1122334455667788</PRUK-ID>", "<IMSI>001019999999999</IMSI>"),
                          ErrorCode::kUnknownImsi));
    m.push_back(pc8_error("authz_imsi_without_gba", "relay r1 asks KD by IMSI where no HSS/BSF is configured",
                          "relay-r1",
                          kd("<PRUK-ID>1122334455667788</PRUK-ID>", "<IMSI>" + std::string(kUe1) + "</IMSI>"),
                          ErrorCode::kGbaPushFailed));
    m.push_back(pc8_error("authz_ue_discovery_other_rsc", "a UE asks for the discovery key of a code it may not use",
                          "ue-" + std::string(kUe1), discovery_request("000777"), ErrorCode::kDiscoveryNotAuthorised));
    m.push_back(pc8_error("authz_relay_discovery_other_rsc",
                          "relay r1 asks for the discovery key of a code it does not serve", "relay-r1",
                          discovery_request("000777"), ErrorCode::kDiscoveryNotAuthorised));
    m.push_back(pc8_error("authz_unknown_relay_discovery", "a relay not provisioned asks for discovery keys",
                          "relay-r9", discovery_request("00abcd"), ErrorCode::kRelayNotAuthorised));
    m.push_back(pc8_error("authz_unknown_ue_discovery", "a UE not provisioned asks for discovery keys",
                          "ue-" + std::string(kUeUnknown), discovery_request("00abcd"), ErrorCode::kUeNotAuthorised));
    for (const auto& [id, cred] : {std::pair<std::string, std::string>{"authz_metrics_ue", "ue-" + std::string(kUe1)},
                                   std::pair<std::string, std::string>{"authz_metrics_relay", "relay-r1"}}) {
      Case c = http(id, "Authorisation",
                    (cred == "relay-r1" ? std::string("a relay") : std::string("a UE")) + " reads /metrics",
                    {{bare("GET", "/metrics")}}, {403}, {.cred = cred});
      c.defect = 9;
      m.push_back(c);
    }

    // --- Methods, paths and media types.
    for (const char* method : {"GET", "PUT", "DELETE", "PATCH", "TRACE"}) {
      std::string lower = method;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
      m.push_back(http("route_" + lower, "Methods and paths", std::string(method) + " /prose/pc8",
                       {{bare(method, "/prose/pc8")}}, {405}));
    }
    m.push_back(http("route_lowercase_post", "Methods and paths", "method \"post\" (methods are case-sensitive)",
                     {{replace(post(body), "POST", "post")}}, {405}));
    m.push_back(http("route_trailing_slash", "Methods and paths", "POST /prose/pc8/", {{post(body, "", "/prose/pc8/")}},
                     {404}));
    m.push_back(http("route_case", "Methods and paths", "POST /PROSE/PC8", {{post(body, "", "/PROSE/PC8")}}, {404}));
    m.push_back(http("route_query", "Methods and paths", "POST /prose/pc8?debug=1",
                     {{post(body, "", "/prose/pc8?debug=1")}}, {404}));
    m.push_back(http("route_traversal", "Methods and paths", "GET /../../etc/passwd",
                     {{bare("GET", "/../../etc/passwd")}}, {404}));
    m.push_back(http("route_options", "Methods and paths", "OPTIONS *", {{bare("OPTIONS", "*")}}, {404}));
    m.push_back(http("media_text_xml", "Methods and paths", "Content-Type text/xml",
                     {{replace(post(body), kCt, "text/xml")}}, {415}));
    m.push_back(http("media_missing", "Methods and paths", "no Content-Type",
                     {{replace(post(body), "Content-Type: " + std::string(kCt) + "\r\n", "")}}, {415}));
    m.push_back(http("media_prefix", "Methods and paths", "Content-Type application/vnd.3gpp.prose-pc8+xmlx",
                     {{replace(post(body), kCt, std::string(kCt) + "x")}}, {415}));
    return m;
  }();
  return k;
}

// ---------------------------------------------------------------------------------------------------------------
// A raw client: OpenSSL directly (or plain TCP), so that any octets can be sent.

struct Outcome {
  bool connected = false;
  bool hello_sent = false;    // the ClientHello left (a refusal came from the server, not from our library)
  bool handshake_ok = false;  // as the client sees it (TLS 1.3: before the server has judged our certificate)
  bool closed = false;        // the server closed (EOF, reset or an alert) before the deadline
  double closed_after_s = 0;  // since the connection was made
  std::string tls_error;
  std::string received;
  std::vector<int> statuses;
  std::string first_body;
};

// Parses HTTP/1.1 responses out of `raw` (status, Content-Length framed bodies).
void parse_responses(Outcome& o) {
  std::size_t at = 0;
  while (at < o.received.size()) {
    if (o.received.compare(at, 7, "HTTP/1.") != 0 || at + 12 > o.received.size()) break;
    int status = std::atoi(o.received.c_str() + at + 9);
    auto end = o.received.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    std::string head = o.received.substr(at, end - at);
    std::size_t length = 0;
    for (std::string name : {"Content-Length: ", "content-length: "}) {
      if (auto p = head.find(name); p != std::string::npos) length = std::stoul(head.substr(p + name.size()));
    }
    o.statuses.push_back(status);
    if (o.statuses.size() == 1) o.first_body = o.received.substr(end + 4, length);
    at = end + 4 + length;
  }
}

class RawClient {
 public:
  RawClient(std::uint16_t port, const Conn& c, const fs::path& pki) : conn_(c) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out_.connected = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
    t0_ = Clock::now();
    if (!out_.connected || c.tcp) return;
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, (pki / "ca.pem").c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (c.min_version) SSL_CTX_set_min_proto_version(ctx_, c.min_version);
    if (c.max_version) SSL_CTX_set_max_proto_version(ctx_, c.max_version);
    if (!c.ciphers.empty()) SSL_CTX_set_cipher_list(ctx_, c.ciphers.c_str());
    if (!c.suites.empty()) SSL_CTX_set_ciphersuites(ctx_, c.suites.c_str());
    if (!c.groups.empty()) SSL_CTX_set1_groups_list(ctx_, c.groups.c_str());
    if (!c.cred.empty()) {
      SSL_CTX_use_certificate_chain_file(ctx_, (pki / (c.cred + ".pem")).c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, (pki / (c.cred + ".key")).c_str(), SSL_FILETYPE_PEM);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "pkmf.prose.test");
    ERR_clear_error();
    for (;;) {
      int r = SSL_connect(ssl_);
      if (r == 1) {
        out_.handshake_ok = true;
        break;
      }
      if (!wait_io(SSL_get_error(ssl_, r), Clock::now() + std::chrono::seconds(10))) break;
    }
    out_.hello_sent = BIO_number_written(SSL_get_wbio(ssl_)) > 0;
  }
  ~RawClient() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  // Sends the chunks (pausing before each); stops early when the server has closed.
  void send(const std::vector<Chunk>& chunks) {
    for (const auto& c : chunks) {
      if (c.pause_ms > 0) {
        // Pausing, but noticing when the server closes meanwhile.
        const auto until = Clock::now() + std::chrono::milliseconds(c.pause_ms);
        while (Clock::now() < until && !out_.closed) read_some(until);
      }
      if (out_.closed || !usable()) return;
      std::size_t off = 0;
      while (off < c.bytes.size()) {
        int n;
        if (conn_.tcp) {
          n = static_cast<int>(::send(fd_, c.bytes.data() + off, c.bytes.size() - off, MSG_NOSIGNAL));
          if (n < 0 && errno == EAGAIN) n = 0;
          if (n < 0) return mark_closed("send: " + std::string(std::strerror(errno)));
          if (n == 0) {
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, 100);
          }
        } else {
          n = SSL_write(ssl_, c.bytes.data() + off, static_cast<int>(c.bytes.size() - off));
          if (n <= 0) {
            if (!wait_io(SSL_get_error(ssl_, n), Clock::now() + std::chrono::seconds(5))) return;
            n = 0;
          }
        }
        off += static_cast<std::size_t>(n);
      }
    }
  }

  // Reads until the server closes, or until `want` responses are complete, or the deadline.
  Outcome finish(std::size_t want, Clock::time_point deadline) {
    while (!out_.closed && Clock::now() < deadline && usable()) {
      read_some(deadline);
      Outcome probe;
      probe.received = out_.received;
      parse_responses(probe);
      if (want > 0 && probe.statuses.size() >= want) break;
    }
    parse_responses(out_);
    return out_;
  }

  bool connected() const { return out_.connected; }

 private:
  bool usable() const { return out_.connected && (conn_.tcp || out_.handshake_ok); }

  void mark_closed(const std::string& why) {
    if (out_.closed) return;
    out_.closed = true;
    out_.closed_after_s = std::chrono::duration<double>(Clock::now() - t0_).count();
    if (out_.tls_error.empty()) out_.tls_error = why;
  }

  // After an SSL call failed with `err`: waits for the socket when it wants I/O (true), else records the end.
  bool wait_io(int err, Clock::time_point deadline) {
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
      ::poll(&p, 1, static_cast<int>(std::min<long>(left, 100)));
      return true;
    }
    char buf[256] = "";
    if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, buf, sizeof buf);
    std::string why = err == SSL_ERROR_ZERO_RETURN ? "close_notify" : buf[0] ? buf : "connection closed";
    mark_closed(why);
    return false;
  }

  void read_some(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return;
    char buf[16384];
    if (conn_.tcp || !out_.handshake_ok) {
      if (!out_.connected) return;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<long>(left, 50))) <= 0) return;
      if (!conn_.tcp) return;  // a handshake that failed: nothing more to read
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0)
        out_.received.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EAGAIN)
        mark_closed(n == 0 ? "EOF" : std::strerror(errno));
      return;
    }
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      out_.received.append(buf, static_cast<std::size_t>(n));
      return;
    }
    wait_io(SSL_get_error(ssl_, n), deadline);
  }

  Conn conn_;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  Clock::time_point t0_;
  Outcome out_;
};

// ---------------------------------------------------------------------------------------------------------------
// The PKMF under test.

class World {
 public:
  World() {
    ::signal(SIGPIPE, SIG_IGN);
    log::setup("pkmf", "off");
    dir_ = fs::temp_directory_path() / ("prose-bad-input-" + std::to_string(random_u64()));
    pkmf::ExampleConfigOptions ex;
    ex.dir = dir_.string();
    ex.port = 0;
    ex.mikey_port = 0;
    ex.hss_port = std::nullopt;
    ex.ue_imsis = {kUe1, kUe2, kUeUnknown};
    ex.relay_ids = {"r1", "r2", "r9"};
    auto path = pkmf::write_example_config(ex);
    if (!path.ok()) die("config: " + path.error().to_string());
    auto cfg = pkmf::load_config(*path);
    if (!cfg.ok()) die("config: " + cfg.error().to_string());
    make_bad_credentials();

    auto s = store::open_store(cfg->store_url, cfg->kek);
    if (!s.ok()) die("store: " + s.error().to_string());
    store_ = std::move(*s);
    expect_ok(store_->upsert_ue(kUe1, {0x00abcd}, 1));
    expect_ok(store_->upsert_ue(kUe2, {0x00abcd}, 1));
    expect_ok(store_->upsert_relay("r1", {0x00abcd}));
    expect_ok(store_->upsert_relay("r2", {0x000777}));
    store::PrukRecord rec;
    rec.pruk_id = 0x1122334455667788ull;
    rec.imsi = kUe1;
    rec.pruk = random_secret(32);
    rec.created_at = std::time(nullptr);
    known_pruk_ = rec.pruk.clone();
    expect_ok(store_->insert_pruk(rec, false, {rec.created_at, "test", "issue", "PRUK", kKnownPrukId, kUe1}));

    cfg->https.handshake_timeout = kTimeout;
    cfg->https.read_timeout = kTimeout;
    cfg->https.idle_timeout = kTimeout;
    server_ = std::make_unique<pkmf::PkmfServer>(std::move(*cfg));
    if (Status st = server_->start(); !st.ok()) die("start: " + st.error().to_string());
    port_ = server_->https_port();
  }
  ~World() {
    server_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::uint16_t port() const { return port_; }
  fs::path pki() const { return dir_ / "pki"; }

  // The store once the KD bookkeeping of earlier requests is written: the PKMF writes it in the background every
  // kd_flush_interval_ms, so the check is repeated until two of them, that far apart, agree.
  store::StoreCheck settled_check() {
    auto once = [this] {
      server_->service().flush_kd_bookkeeping();
      auto c = store_->check();
      if (!c.ok()) die("store check: " + c.error().to_string());
      return std::move(*c);
    };
    auto last = once();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3 * pkmf::Policy{}.kd_flush_interval_ms));
      auto now = once();
      if (now.digest == last.digest) return now;
      last = std::move(now);
    }
  }

  net::HttpsClientConfig client(const std::string& cred) const {
    net::HttpsClientConfig c;
    c.port = port_;
    c.tls.ca_file = (pki() / "ca.pem").string();
    c.tls.cert_file = (pki() / (cred + ".pem")).string();
    c.tls.key_file = (pki() / (cred + ".key")).string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    c.request_timeout = std::chrono::milliseconds(5000);
    return c;
  }

  // A good relay on a fresh connection: a KD request for the known PRUK, its KD checked. Empty when served.
  std::string good_relay_served() const {
    auto c = net::HttpsClient::create(client("relay-r1"));
    if (!c.ok()) return c.error().to_string();
    pc8::KdRequest r;
    r.transaction_id.value = 77;
    r.remote_ue = ids::PrukId{0x1122334455667788ull};
    r.relay_service_code.value = 0x00abcd;
    auto resp = (*c)->post("/prose/pc8", pc8::kContentType, *pc8::Codec::encode(pc8::Request(r)));
    if (!resp.ok()) return resp.error().to_string();
    if (resp->status != 200) return "HTTP " + std::to_string(resp->status);
    auto d = pc8::Codec::decode_response(resp->body);
    if (!d.ok()) return d.error().to_string();
    auto* g = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(*d).outcome);
    if (g == nullptr) return "no KD: " + resp->body;
    auto expected = keys::derive_kd(known_pruk_.view(), g->kd_freshness.view());
    return expected.ok() && *expected == g->kd ? "" : "wrong KD";
  }

  // A relay answered while a slow client is connected (a KD request for an unknown PRUK: served, writes nothing).
  std::string relay_answered() const {
    auto c = net::HttpsClient::create(client("relay-r1"));
    if (!c.ok()) return c.error().to_string();
    auto resp = (*c)->post("/prose/pc8", pc8::kContentType, kd("1122334455667788", "0a0b0c0d0e0f0102"));
    if (!resp.ok()) return resp.error().to_string();
    return resp->status == 200 && resp->body.find("<error-code>13</error-code>") != std::string::npos
               ? ""
               : "HTTP " + std::to_string(resp->status) + " " + resp->body;
  }

 private:
  [[noreturn]] static void die(const std::string& why) {
    std::cerr << "bad-input matrix setup: " << why << "\n";
    std::abort();
  }
  static void expect_ok(const Status& s) {
    if (!s.ok()) die(s.error().to_string());
  }

  // The certificates of the "TLS and certificates" cases, next to the good ones in pki/.
  void make_bad_credentials() {
    namespace pki = net::pki;
    const std::string d = (dir_ / "pki").string();
    auto ca = pki::load_credential(d + "/ca.pem", d + "/ca.key");
    if (!ca.ok()) die(ca.error().to_string());
    auto ue = *net::PeerIdentity::ue(kUe1);
    auto write = [&](const std::string& name, Result<pki::Credential> c) {
      if (!c.ok()) die(name + ": " + c.error().to_string());
      expect_ok(pki::write_credential(d, name, *c));
    };
    write("expired", pki::issue_expired_identity(*ca, ue));
    auto other_ca = pki::make_ca("Other CA", 30);
    if (!other_ca.ok()) die(other_ca.error().to_string());
    write("other", pki::issue_identity(*other_ca, ue, 30));
    auto spec = [](pki::Usage u, std::vector<std::string> uris) {
      pki::CertSpec s;
      s.common_name = "bad input";
      s.usage = u;
      s.uris = std::move(uris);
      return s;
    };
    const std::string uri = "imsi-" + std::string(kUe1);
    pki::CertSpec future = spec(pki::Usage::kClient, {uri});
    future.not_before_offset = 86400;
    future.not_after_offset = 2 * 86400;
    write("not-yet-valid", pki::issue(*ca, future));
    write("server-eku", pki::issue(*ca, spec(pki::Usage::kServer, {uri})));
    write("ca-as-client", pki::issue(*ca, spec(pki::Usage::kCa, {uri})));
    write("noid", pki::issue(*ca, spec(pki::Usage::kClient, {"urn:example:nothing"})));
    write("two-identities", pki::issue(*ca, spec(pki::Usage::kClient, {uri, "relay-r1"})));
    write("bad-imsi", pki::issue(*ca, spec(pki::Usage::kClient, {"imsi-12"})));
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<pkmf::PkmfServer> server_;
  std::uint16_t port_ = 0;
  SecretBytes known_pruk_;
};

World* world = nullptr;

// ---------------------------------------------------------------------------------------------------------------
// The expected answer, as the docs table writes it.

std::string expected_text(const Case& c) {
  std::string s;
  switch (c.expect) {
    case Expect::kStatus:
      for (int st : c.statuses) s += (s.empty() ? "" : ", ") + std::to_string(st);
      break;
    case Expect::kPc8:
      s = "200, PC8 error " + std::to_string(pc8::error_code_value(c.code)) + " (" +
          std::string(pc8::error_code_name(c.code)) + ")";
      break;
    case Expect::kRefused:
      s = "refused in the TLS handshake";
      break;
    case Expect::kClosed:
      s = "closed without an answer";
      break;
  }
  if (c.closed_within_s > 0 && c.expect != Expect::kClosed) s += ", then closed";
  if (c.closed_within_s > 0) s += " (within " + std::to_string(static_cast<int>(c.closed_within_s)) + " s)";
  return s;
}

std::string markdown() {
  std::string out = "| Case | Input | Expected answer |\n|---|---|---|\n";
  std::string group;
  for (const auto& c : matrix()) {
    if (c.group != group) {
      group = c.group;
      out += "| **" + group + "** | | |\n";
    }
    std::string what = c.what;
    for (std::size_t p = 0; (p = what.find('|', p)) != std::string::npos; p += 2) what.replace(p, 1, "\\|");
    out += "| `" + c.id + "` | " + what + " | " + expected_text(c) +
           (c.defect ? " (defect " + std::to_string(c.defect) + ")" : "") + " |\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

std::string rows_text(const store::StoreCheck& c) {
  std::string s;
  for (const auto& [table, n] : c.rows) s += (s.empty() ? "" : " ") + table + "=" + std::to_string(n);
  return s;
}

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, AnsweredAsExpectedStoreUnchangedGoodRelayServed) {
  const Case& c = GetParam();
  if (c.defect != 0 && pending(c.defect)) GTEST_SKIP() << "defect " << c.defect << " pending (issue 17)";
  const auto before = world->settled_check();

  std::string during;
  std::thread liveness;
  if (c.slow) {
    liveness = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      during = world->relay_answered();
    });
  }
  RawClient client(world->port(), c.conn, world->pki());
  ASSERT_TRUE(client.connected()) << "cannot connect";
  client.send(c.send);
  std::size_t want = c.expect == Expect::kStatus ? c.statuses.size() : c.expect == Expect::kPc8 ? 1 : 0;
  // Requests ask for the connection to be closed: reading to the end costs nothing, and shows what else came.
  const double wait_s = c.closed_within_s > 0 ? c.closed_within_s + 2 : 8;
  Outcome o = client.finish(c.closed_within_s > 0 ? 0 : want,
                            Clock::now() + std::chrono::milliseconds(static_cast<int>(wait_s * 1000)));
  if (liveness.joinable()) liveness.join();
  const std::string seen = "received " + std::to_string(o.received.size()) + " octets: " + o.received.substr(0, 300) +
                           (o.tls_error.empty() ? "" : " [" + o.tls_error + "]");

  switch (c.expect) {
    case Expect::kStatus:
      EXPECT_EQ(o.statuses, c.statuses) << seen;
      break;
    case Expect::kPc8: {
      ASSERT_EQ(o.statuses, std::vector<int>{200}) << seen;
      auto d = pc8::Codec::decode_response(o.first_body);
      ASSERT_TRUE(d.ok()) << d.error().to_string() << ": " << o.first_body;
      std::vector<ErrorCode> codes;
      std::visit(
          [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, pc8::DiscoveryKeyResponse>) {
              if (auto* e = std::get_if<ErrorCode>(&r.outcome)) codes.push_back(*e);
              if (auto* per = std::get_if<std::vector<pc8::DiscoveryKeyResult>>(&r.outcome))
                for (const auto& x : *per)
                  if (auto* e = std::get_if<ErrorCode>(&x.outcome)) codes.push_back(*e);
            } else if (auto* e = std::get_if<ErrorCode>(&r.outcome)) {
              codes.push_back(*e);
            }
          },
          *d);
      EXPECT_EQ(codes, std::vector<ErrorCode>{c.code}) << o.first_body;
      break;
    }
    case Expect::kRefused:
      EXPECT_TRUE(o.hello_sent) << "the ClientHello never left: the client library refused, not the PKMF";
      EXPECT_TRUE(!o.handshake_ok || o.closed) << seen;
      EXPECT_TRUE(o.statuses.empty()) << seen;
      break;
    case Expect::kClosed:
      EXPECT_TRUE(o.closed) << "still open after " << wait_s << " s; " << seen;
      for (int st : o.statuses) EXPECT_EQ(st, 408) << seen;
      break;
  }
  if (c.closed_within_s > 0) {
    EXPECT_TRUE(o.closed) << seen;
    EXPECT_LE(o.closed_after_s, c.closed_within_s) << seen;
  }
  if (c.slow) {
    EXPECT_EQ(during, "") << "a relay was not served while the slow client was connected";
  }

  const auto after = world->settled_check();
  EXPECT_EQ(after.digest, before.digest) << "the store changed: rows " << rows_text(before) << " before, "
                                         << rows_text(after) << " after";
  EXPECT_TRUE(after.ok()) << after.problems.front();
  EXPECT_EQ(world->good_relay_served(), "") << "a good relay was not served after the case";
}

INSTANTIATE_TEST_SUITE_P(Matrix, BadInput, ::testing::ValuesIn(matrix()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.id; });

TEST(BadInputMatrix, HasAtLeastSixtyCasesWithDistinctNames) {
  EXPECT_GE(matrix().size(), 60u);
  std::set<std::string> ids;
  for (const auto& c : matrix()) EXPECT_TRUE(ids.insert(c.id).second) << c.id;
}

TEST(BadInputMatrix, DocsReliabilityCarriesTheTable) {
  std::ifstream f(std::string(PROSE_SOURCE_DIR) + "/docs/reliability.md");
  std::string doc((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(doc.find(markdown()), std::string::npos)
      << "docs/reliability.md does not carry the current matrix; print it with pkmf_bad_input_test --markdown";
}

}  // namespace
}  // namespace prose

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--markdown") {
      std::cout << prose::markdown();
      return 0;
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  prose::World w;
  prose::world = &w;
  return RUN_ALL_TESTS();
}
