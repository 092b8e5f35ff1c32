// Internal to the net module: OpenSSL context construction and connection facts. Plain OpenSSL, no Beast,
// so this compiles fast and server.cpp / client.cpp only wrap the SSL_CTX in an asio::ssl::context.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "prose/net/identity.h"
#include "prose/net/server.h"
#include "prose/net/tls.h"
#include "prose/util/result.h"

namespace prose::net::detail {

// The OpenSSL error queue as one line (and clears it).
std::string openssl_errors();

Result<PeerIdentity> identity_from_x509(X509* cert);

// New SSL_CTX owned by the caller (asio::ssl::context adopts it).
Result<SSL_CTX*> make_server_ctx(const TlsServerSettings& s);
Result<SSL_CTX*> make_client_ctx(const TlsClientSettings& s);

// Client, before the handshake: SNI, the name the certificate must match, and a cached session to resume.
Status prepare_client_ssl(SSL* ssl, const std::string& host, const TlsClientSettings& s);

// Server, after the handshake: the identity bound to the TLS keys (PSK identity or client certificate).
Result<PeerIdentity> peer_identity(SSL* ssl);

TlsConnectionInfo connection_info(const SSL* ssl);

// Server, after a failed handshake: why, from the certificate verification result and the first OpenSSL error of
// the failure (`err`, as packed by ERR_get_error). Timeouts and closed connections are the caller's to tell.
HandshakeFailure classify_handshake_failure(const SSL* ssl, unsigned long err);

// Server with a CRL file: reads `crl_file` again and, when it is good, uses it for every later handshake (the
// previous CRLs stay in force otherwise). kState when the context was made without a CRL file.
Result<CrlInfo> reload_client_crl(SSL_CTX* ctx, const std::string& crl_file);

// Forget the client's cached session (tests, or after the server rejected it).
void clear_client_session(SSL_CTX* ctx);

}  // namespace prose::net::detail
