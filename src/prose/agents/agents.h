// Remote UE and UE-to-Network Relay agents (docs/agents.md): PC5 emulated over UDP on loopback (frame.h), the
// link state machines of prose/link driven with real time, PC8 over mutual TLS to the PKMF and MIKEY over UDP.
// The agents print one line per protocol step on stdout so that `prose demo` can draw a message sequence chart:
//   MSC|<from>|<to>|<text>      a message
//   EVT|<name>|<text>           an agent event (ready, pruk, data, error ...)
//   CAP|<src port>|<dst port>|<unix time, us>|<hex>  a UDP payload for the demo's pcap (PC5 frames and MIKEY)
//   PC5|<src L2 ID>|<dst L2 ID>|<message name>  a PC5 signalling message sent (with CAP lines on)
// With the environment variable PROSE_LINE_TIMES set, each line starts with "@<unix time, us>|" (prose demo merges
// the agents' lines in time order). A line is flushed before the PC5 signalling message or PKMF request it leads
// to leaves, so a line that caused another one is always out first.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::agents {

struct SidelinkConfig {
  std::uint16_t port = 0;            // this node's UDP port on 127.0.0.1
  std::vector<std::uint16_t> peers;  // the other nodes' ports (the shared sidelink)
  double loss = 0.0;                 // probability of dropping a sent frame (tests)
  // Each sent frame leaves after delay_ms plus a uniform extra 0..jitter_ms (tests); with jitter, frames may be
  // reordered as on a real radio link.
  std::uint32_t delay_ms = 0;
  std::uint32_t jitter_ms = 0;
};

// `[log]`: capture = false drops the CAP lines (the hex of every PC5 frame and MIKEY message; `prose demo` builds
// its pcap from them, so the default is on). pc5_keylog: append the keys of every PC5 security context and of the
// discovery keys to this file (prose/keylog/keylog.h, docs/wireshark.md) so that Wireshark can decrypt a capture;
// empty: the PROSE_KEYLOGFILE environment variable, if set. Off by default; a warning line says when it is on.
struct LogConfig {
  bool capture = true;
  bool user_data = true;  // the relay's MSC line per user datagram carried (off for load tests: work per datagram)
  std::string pc5_keylog;
};

// `[gba]`: the agent reaches the PKMF and the ProSe Function with GBA PSK-TLS (gba_ue.h, docs/agents.md "GBA")
// instead of a client certificate: it bootstraps over Ub with the BSF at bsf_url as `impi` with the USIM k/opc.
struct GbaClientConfig {
  std::string bsf_url;  // "http://HOST:PORT/"
  std::string imsi;     // the relay's subscriber (a Remote UE's is [ue] imsi)
  std::string impi;
  SecretBytes k, opc;  // the USIM, 16 octets each, parsed at load (a Remote UE's are [ue] k/opc)
};

// `[ip]` (docs/agents.md "IP mode", docs/ip.md): set `tun` and the agent is a Layer-3 relay / a Remote UE with an IP
// interface: the link's user data are IP packets (PDCP SDU type IP) between a TUN device and the PC5 link instead of
// datagrams between UDP sockets. The relay serves DHCPv4 from ipv4_pool, routes uplink packets (anti-spoofing) to
// its TUN and the TUN's packets to the link of their destination; the Remote UE takes a DHCPv4 lease over the link
// and puts it on its TUN. Both TUN devices get MTU mtu - 9 (the PDCP header and MAC-I a protected packet gains), so
// a packet that fills the TUN fits an `mtu`-octet PDCP PDU. netns: the network namespace (/run/netns/<name>, `ip
// netns add`) the TUN device is made and configured in; the agent's sockets stay where the agent runs.
struct IpAgentConfig {
  std::string tun;                         // device name ("prose-r0"; may hold one %d)
  std::string netns;                       // empty: the agent's own
  std::string ipv4_pool = "10.45.0.0/24";  // relay
  std::string ipv6_prefix;                 // relay: the /64 it advertises (empty: no IPv6)
  std::uint32_t mtu = 1500;
  // Remote UE: what the DHCPv4 lease's router becomes in `netns`: "add" a default route through the TUN unless the
  // namespace has one, "replace" the one it has, "none": no route.
  std::string default_route = "add";
};

struct PkmfClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string ca_file, cert_file, key_file;
  std::string server_name = "pkmf.prose.test";
  std::string fqdn = "pkmf.prose.test";
  std::string keylog_file;
};

// `[prose_function]`: where the agent fetches its parameters (PC3 service authorisation: role, Relay Service
// Code, PKMF address, discovery settings). With it the agent also fetches discovery keys from the PKMF and sends
// and accepts only protected discovery messages; `[pkmf]` host/port then become optional (the ProSe Function's
// answer wins). The TLS files default to those of `[pkmf]`.
struct ProseFunctionClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string server_name = "pkmf.prose.test";
  std::string ca_file, cert_file, key_file, keylog_file;
  std::string naf_fqdn;                      // GBA: the NAF FQDN of its Ks_(ext)_NAF (empty: server_name)
  std::int64_t psdk_refresh_before_s = 300;  // ask for discovery keys again this long before the PSDK expires
};

struct RemoteUeAgentConfig {
  std::string name = "ue";
  std::string imsi;
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  SecretBytes k, opc;  // the emulated USIM, 16 octets each, parsed at load
  std::string impi_template = "{imsi}@ims.mnc001.mcc001.3gppnetwork.org";
  std::string key_store;        // file, AES-256-GCM wrapped
  SecretBytes kek;              // 32 octets
  bool provision = false;       // Key Request + MIKEY at start
  std::string discovery = "A";  // "A" (listen for announcements) or "B" (solicit)
  std::uint16_t app_port = 0;   // local UDP port applications send through
  // Tests: a Direct Rekeying Request after every N application datagrams (0: never; the count restarts when a
  // rekey starts, and waits while one runs), with the Auth Flag if
  // rekey_auth (the relay then fetches a fresh KD from the PKMF).
  std::uint32_t rekey_every = 0;
  bool rekey_auth = false;
  // The UDP port MIKEY messages go to (0: ephemeral). SIGHUP emulates an address change: the agent binds a new
  // ephemeral port and sends a new Key Request with it.
  std::uint16_t mikey_port = 0;
  // Before the agent stops, tell the PKMF it gives up PRUK delivery (Key Request with the stop indication).
  // SIGUSR1 does the same at any time.
  bool stop_pruk_delivery_on_exit = false;
  // [mikey] accept_rfc3830_defaults: also accept MIKEY deliveries that use the RFC 3830 default algorithms
  // (PRF MIKEY-1, HMAC-SHA-1-160). Off: only the profile's PRF-HMAC-SHA-256 and HMAC-SHA-256-256 (no downgrade).
  bool mikey_accept_rfc3830_defaults = false;
  PkmfClientConfig pkmf;
  SidelinkConfig sidelink;
  LogConfig log;
  std::optional<ProseFunctionClientConfig> prose_function;
  std::optional<GbaClientConfig> gba;
  std::optional<IpAgentConfig> ip;  // [ip] tun set: IP mode
};

struct RelayAgentConfig {
  std::string name = "relay";
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  std::uint32_t announce_ms = 500;
  // PC8 connections (worker threads) for KD requests, so that Remote UEs' setups overlap and a slow PKMF does not
  // stall the other links' data. 0: KD requests on the event loop (no threads: about 13% less relay CPU per
  // datagram, docs/performance/agents.md, but every link waits for each KD request).
  std::uint32_t pkmf_connections = 4;
  // The ciphering algorithms (128-EEA identities) the relay chooses from, most preferred first: the first one the
  // Remote UE supports is the link's (docs/link.md "Algorithms").
  std::vector<std::uint8_t> ciphering = {2, 3, 1};
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
  PkmfClientConfig pkmf;
  SidelinkConfig sidelink;
  LogConfig log;
  std::optional<ProseFunctionClientConfig> prose_function;
  std::optional<GbaClientConfig> gba;
  std::optional<IpAgentConfig> ip;  // [ip] tun set: IP mode
};

// TOML loaders (src/prose/agents/config.cpp): kInvalidArgument naming file and key, also for a section or key that
// is not in the agent's key table below (a typo is an error, not a silently ignored key).
Result<RemoteUeAgentConfig> load_remote_ue_config(const std::string& path);
Result<RelayAgentConfig> load_relay_config(const std::string& path);

// Every key the loaders know, as docs/agents.md lists them (a unit test compares the two).
struct ConfigKey {
  std::string_view name;           // "<section>.<key>"
  std::string_view type;           // "string", "path" (relative to the file), "integer", "boolean", "number",
                                   // "array of integers"
  std::string_view default_value;  // a TOML literal; empty when there is none
  std::string_view required;       // "yes", "no", or when
};
std::span<const ConfigKey> relay_config_keys();
std::span<const ConfigKey> remote_ue_config_keys();

// `prose relay example-config` / `prose remote-ue example-config`: a complete, commented configuration (every key
// of the table, the optional ones commented out where they would change nothing) for a lab on loopback with the
// ProSe Function and PKI of `prose prose-function example-config` (docs/agents.md "Running it by hand").
struct ExampleOptions {
  std::string name;         // relay id (certificate relay-<name>) or the Remote UE's name
  std::uint32_t l2_id = 0;  // 0: the default of the kind (0x00aa01 relay, 0x00ee01 Remote UE)
  std::uint32_t relay_service_code = 0x00abcd;
  std::uint16_t prose_function_port = 8444;
  std::string prose_function_server_name = "prose-function.prose.test";
  std::string pki_dir = "pki";           // relative to the configuration file
  std::uint16_t sidelink_port = 0;       // 0: the default of the kind (5001 relay, 5002 Remote UE)
  std::vector<std::uint16_t> peers;      // empty: the default peer (5002 for a relay, 5001 for a Remote UE)
  std::uint16_t upstream_port = 7000;    // relay
  std::uint16_t app_port = 6001;         // Remote UE
  std::string imsi = "001010000000001";  // Remote UE (certificate ue-<imsi>)
  std::string k_hex, opc_hex;            // Remote UE's USIM; empty: random
  bool provision = true;                 // Remote UE: PRUK by Key Request + MIKEY at start (false: GBA Push)
  std::string discovery = "A";           // Remote UE: "A" or "B"
};
std::string relay_example_config(const ExampleOptions& options);
std::string remote_ue_example_config(const ExampleOptions& options);

// Run until SIGTERM/SIGINT (or a fatal error, returned).
// The agents' output lines on stdout (MSC|from|to|text, EVT|name|text, CAP|src|dst|us|hex, PC5|src|dst|name) go
// to `writer` instead when one is set (`prose relay --json` turns each into a JSON line); it is called from the
// agent's threads, one whole line at a time, and must write it in one piece.
void set_line_writer(std::function<void(const std::string&)> writer);

Status run_remote_ue(RemoteUeAgentConfig cfg);
Status run_relay(RelayAgentConfig cfg);

}  // namespace prose::agents
