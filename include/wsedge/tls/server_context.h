#pragma once
// The TLS side of one listener: one SSL_CTX per certificate name set (an RSA
// and an ECDSA certificate for the same names share one, and OpenSSL picks by
// the client's signature algorithms), chosen by SNI: exact names first, then
// "*." wildcards, from the certificate's SAN (its CN only when it has no DNS
// SAN); the first certificate is the default. ALPN offers http/1.1 only.
//
// Built on the main thread (start, reload) and then only read: SSL_CTX is safe
// to share between worker threads for SSL_new and handshakes.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "wsedge/config/config.h"
#include "wsedge/tls/handles.h"
#include "wsedge/tls/ticket_keys.h"

namespace wsedge::tls {

class ServerContext {
 public:
  /// Loads every certificate of `conf`; null with `error` (naming the file) on failure.
  static std::shared_ptr<ServerContext> create(const config::ListenerTls& conf,
                                               std::shared_ptr<TicketKeys> keys,
                                               std::string& error);

  /// A new SSL for one accepted connection (server mode, default certificate
  /// until SNI picks another); null on allocation failure. The caller owns it
  /// until it hands it to a net::Conn. Any worker thread.
  SSL* newSsl() const;
  /// The context serving `serverName` (lower case, no trailing dot), else the default.
  SSL_CTX* select(std::string_view serverName) const;
  /// The DNS names each context serves, in order (for logs and tests).
  std::vector<std::vector<std::string>> names() const;

 private:
  struct Entry {
    SslCtxPtr ctx;
    std::vector<std::string> names;
    std::vector<int> keyTypes;  // EVP_PKEY_RSA, EVP_PKEY_EC, ...
  };
  bool addCertificate(const config::CertificateFiles& files, const config::ListenerTls& conf,
                      std::string& error);
  SslCtxPtr newContext(const config::ListenerTls& conf, std::string& error);
  static int onServerName(SSL* ssl, int* alert, void* arg);

  std::vector<Entry> entries_;  // entries_[0]: the default
  std::unordered_map<std::string, SSL_CTX*> exact_;
  std::unordered_map<std::string, SSL_CTX*> wildcard_;  // "example.com" for "*.example.com"
  std::shared_ptr<TicketKeys> keys_;
};

/// The DNS names a certificate is for: its SAN DNS entries, or its CN when
/// it has none; lower case.
std::vector<std::string> certificateNames(X509* cert);
/// The most recent OpenSSL error as text ("" when the queue is empty); clears the queue.
std::string lastError();

}  // namespace wsedge::tls
