// `prose demo`: the TLS part of the servers' and the agents' configurations (demo_run.h). With GBA (the default) the
// HSS/BSF serves Ub, the agents bootstrap with their USIM and reach the ProSe Function and the PKMF with PSK-TLS
// (B-TID, Ks_(ext)_NAF), and the PKMF takes the keys from the BSF over Zn (docs/agents.md "GBA instead of client
// certificates"); with `--tls certificate` every agent has a client certificate of the demo's test PKI.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "demo_run.h"
#include "prose/testbed/ports.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::cli::demo {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool Demo::setup_bsf(const fs::path& hss_config) {
  const std::string path = hss_config.string();
  std::string text = read_file(path);
  ub_port_ = testbed::free_port_or_zero(testbed::Proto::kTcp);
  // Everything on Ub passes the demo's tap too: demo.pcap shows it as HTTP on TCP 80.
  ub_tap_ = std::make_unique<demo::TcpTap>(
      ub_port_, kHttpPort, [this](const UdpEndpoint& a, const UdpEndpoint& b, const TcpSegment& seg, ByteView p) {
        std::lock_guard<std::mutex> lock(cap_mu_);
        auto f = ethernet_ipv4_tcp_frame(a, b, seg, p, ip_id_++);
        if (f.ok()) frames_.push_back({now_us(), std::move(*f)});
      });
  const std::string line = "ub_listen = \"127.0.0.1:" + std::to_string(ub_port_) + "\"";
  const std::regex commented(R"((^|\n)# ub_listen = [^\n]*)");
  if (!std::regex_search(text, commented))
    return step_fail("the HSS example configuration has no ub_listen line to enable: " + path);
  text = std::regex_replace(text, commented, "$1" + line, std::regex_constants::format_first_only);
  std::ofstream(path, std::ios::trunc) << text;
  relay_k_ = to_hex(random_bytes(16));
  relay_opc_ = to_hex(random_bytes(16));
  return must(
      {exe_, "hss", "add-subscriber", "--config", path, "--imsi", relay_imsi_, "--k", relay_k_, "--opc", relay_opc_},
      "hss add-subscriber (relay)");
}

bool Demo::setup_pkmf_tls(const std::string& pkmf_config) {
  std::string text = read_file(pkmf_config);
  // The [tls] section up to the next section: gba mode instead of the certificate files. The PKMF's own
  // certificate is no longer used; the agents trust it because it proves Ks_NAF.
  // Lines not starting a section; a blank line is only "\n" (so the next section header is never taken in).
  const std::regex tls(R"((^|\n)\[tls\]\n(?:[^\[\n][^\n]*\n|\n)*)");
  if (!std::regex_search(text, tls)) return step_fail("the PKMF example configuration has no [tls]: " + pkmf_config);
  const std::string gba_tls =
      "$1[tls]\nmode = \"gba\"\nnaf_fqdn = \"pkmf.prose.test\"\nrelay_imsis = { r1 = \"" + relay_imsi_ + "\" }\n\n";
  text = std::regex_replace(text, tls, gba_tls, std::regex_constants::format_first_only);
  std::ofstream(pkmf_config, std::ios::trunc) << text;
  return true;
}

std::string Demo::prose_function_section(const std::string& base) {
  std::string s = "[prose_function]\nhost = \"127.0.0.1\"\nport = " + std::to_string(https_tap_->port()) + "\n";
  if (gba()) {
    s += "keylog = \"" + (out_ / "tls-keys.log").string() +
         "\"\n[gba]\nbsf = \"http://127.0.0.1:" + std::to_string(ub_tap_->port()) + "/\"\n";
    // A Remote UE bootstraps with the USIM of its [ue] section; the relay has its own subscription.
    if (base.rfind("relay", 0) == 0)
      s += "imsi = \"" + relay_imsi_ + "\"\nk = \"" + relay_k_ + "\"\nopc = \"" + relay_opc_ + "\"\n";
    return s;
  }
  fs::path pki = out_ / "pkmf" / "pki";
  return s + "ca = \"" + (pki / "ca.pem").string() + "\"\ncert = \"" + (pki / (base + ".pem")).string() +
         "\"\nkey = \"" + (pki / (base + ".key")).string() + "\"\nkeylog = \"" + (out_ / "tls-keys.log").string() +
         "\"\n";
}

}  // namespace prose::cli::demo
