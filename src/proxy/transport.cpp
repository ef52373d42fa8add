// The transport under a session: which net::Conn each side gets (plain TCP or
// TLS, and with which SSL context). The Conn hides the difference from there
// on: the handshake and the relay see the same bytes either way.
#include <sys/socket.h>

#include "wsedge/net/conn.h"
#include "wsedge/proxy/session.h"
#include "wsedge/tls/client_context.h"
#include "wsedge/tls/server_context.h"

namespace wsedge::proxy {

std::unique_ptr<net::Conn> Session::newClientTransport(evutil_socket_t fd) {
  // With a PROXY header in front, TLS starts only once that header is read
  // (startClientTls, called from readProxyHeader).
  if (listener_.tls && !listener_.proxyProtocol) {
    // Server::buildRuntime refuses a reload that adds or removes TLS on a
    // bound listener, so a TLS listener always has its context here.
    const tls::ServerContext* ctx = runtime_->serverTls(listener_.index);
    SSL* ssl = ctx ? ctx->newSsl() : nullptr;
    if (ssl == nullptr) {
      // Out of memory: never fall back to plaintext on a TLS port. Shut the
      // socket both ways: the first read sees EOF and ends the session.
      ::shutdown(fd, SHUT_RDWR);
    }
    return net::Conn::accepted(host_.base(), fd, ssl);  // owns fd (and ssl) from here on
  }
  return net::Conn::accepted(host_.base(), fd, nullptr);
}

std::unique_ptr<net::Conn> Session::newUpstreamTransport(const balance::Server& server) {
  SSL* ssl = nullptr;
  if (const tls::ClientContext* ctx = runtime_->clientTls(&server)) {
    ssl = ctx->newSsl();
    if (ssl == nullptr) return nullptr;
  }
  return net::Conn::outgoing(host_.base(), ssl);
}

bool Session::startClientTls() {
  const tls::ServerContext* ctx = runtime_->serverTls(listener_.index);
  SSL* ssl = ctx ? ctx->newSsl() : nullptr;
  if (ssl == nullptr) return false;
  // The PROXY header was peeked and consumed exactly: the ClientHello is
  // still in the socket, untouched.
  client_->startTls(ssl);
  return true;
}

}  // namespace wsedge::proxy
