#include "prose/config/example_file.h"

#include <fstream>

#include "prose/net/pki.h"

namespace prose::config {

namespace fs = std::filesystem;

Result<fs::path> prepare_example(const std::string& dir, const std::string& file, const std::vector<std::string>& ues,
                                 const std::vector<std::string>& relays, const std::vector<std::string>& operators) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + dir + ": " + ec.message());
  fs::path abs = fs::absolute(dir);
  fs::path cfg = abs / file;
  if (fs::exists(cfg)) return fail(Errc::kInvalidArgument, cfg.string() + " already exists");
  if (!fs::exists(abs / "pki" / "ca.pem")) {
    net::pki::InitOptions pki;
    pki.dir = (abs / "pki").string();
    pki.ues = ues;
    pki.relays = relays;
    pki.operators = operators;
    PROSE_TRY(auto written, net::pki::init(pki));
    (void)written;
  } else if (!fs::exists(abs / "pki" / net::pki::kCrlFile)) {
    PROSE_TRY(auto crl, net::pki::update_crl((abs / "pki").string(), {}, {}, net::pki::kDefaultDays));
    (void)crl;
  }
  return cfg;
}

Status write_private_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.close();
  if (!f) return fail(Errc::kIo, "cannot write " + path.string());
  std::error_code ec;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  return ok_status();
}

std::string example_tls_section(const std::string& name) {
  return "[tls]\n"
         "cert = \"pki/" +
         name +
         ".pem\"\n"
         "key = \"pki/" +
         name +
         ".key\"\n"
         "ca = \"pki/ca.pem\"\n"
         "# Client certificates revoked by the CA (`prose pki revoke`); re-read on SIGHUP.\n"
         "crl = \"pki/crl.pem\"\n\n";
}

}  // namespace prose::config
