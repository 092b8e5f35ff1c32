#include "prose/agents/pkmf_client.h"

#include <chrono>
#include <string>

#include "prose/agents/trace.h"
#include "prose/pc8/codec.h"
#include "prose/pc8/constants.h"
#include "prose/util/secret_string.h"

namespace prose::agents {

Result<std::unique_ptr<net::HttpsClient>> make_client(const PkmfClientConfig& p, GbaUe* gba) {
  net::HttpsClientConfig c;
  c.host = p.host;
  c.port = p.port;
  c.tls.ca_file = p.ca_file;
  c.tls.cert_file = p.cert_file;
  c.tls.key_file = p.key_file;
  c.tls.server_name = p.server_name;
  c.tls.keylog_file = p.keylog_file;
  c.tls.keylog_from_env = false;
  c.connect_timeout = std::chrono::milliseconds(2000);
  if (gba != nullptr) gba->configure(c.tls, p.fqdn);  // the PKMF is the NAF of its FQDN
  return net::HttpsClient::create(c);
}

Result<pc8::Response> pc8_exchange(net::HttpsClient& client, const pc8::Request& req, GbaUe* gba) {
  // Both bodies may carry key material (a resynchronisation's AUTS; the KD, PRUK or PMK in hex in the response):
  // each is a SecretString, wiped when this function returns, from the moment it is encoded or received.
  PROSE_TRY(std::string encoded, pc8::Codec::encode(req));
  const SecretString body = SecretString::adopt(encoded);
  auto post = [&]() -> Result<net::HttpResponse> { return client.post("/prose/pc8", pc8::kContentType, body.view()); };
  PROSE_TRY(net::HttpResponse resp, gba != nullptr ? gba->call<net::HttpResponse>(post) : post());
  const SecretString resp_body = SecretString::adopt(resp.body);
  // 503 carries a PC8 response too (temporarily-unavailable: the PKMF's store or HSS/BSF is unreachable).
  const bool pc8_body = resp.status == 503 && resp.content_type.rfind(pc8::kContentType, 0) == 0;
  if (resp.status != 200 && !pc8_body)
    return fail(Errc::kIo, "PKMF answered HTTP " + std::to_string(resp.status) + ": " +
                               std::string(resp_body.view().substr(0, 200)));
  return pc8::Codec::decode_response(resp_body.view());
}

Result<pc8::Response> pc8_call(net::HttpsClient& client, const pc8::Request& req, GbaUe* gba) {
  flush_lines();  // the lines before a (possibly slow) PKMF call are out before it
  return pc8_exchange(client, req, gba);
}

}  // namespace prose::agents
