#pragma once
// The TLS side of one backend server (tls = true): an SSL_CTX that verifies
// the backend's certificate (against ca_file, or the system store) and its
// name (server_name, or the host of its address; an IP address is verified as
// an IP SAN and not sent as SNI, per RFC 6066). insecure_skip_verify turns
// verification off; create() logs a warning each time it is built.
//
// Built on the main thread (start, reload), then only read by workers.
#include <memory>
#include <string>

#include "wsedge/config/config.h"
#include "wsedge/tls/handles.h"

namespace wsedge::tls {

class ClientContext {
 public:
  /// Null with `error` (naming the file) on failure. `pool` is for the log line.
  static std::shared_ptr<ClientContext> create(const std::string& pool,
                                               const config::Server& server, std::string& error);

  /// A new SSL for one connection to this server, with SNI and the name to
  /// verify set; null on allocation failure. Any worker thread.
  SSL* newSsl() const;
  const std::string& verifiedName() const { return name_; }

 private:
  SslCtxPtr ctx_;
  std::string name_;
  bool isIp_ = false;
  bool verify_ = true;
};

}  // namespace wsedge::tls
