// The transport under a session: plain TCP or TLS bufferevents. This is the
// only place that knows one from the other, so the handshake and the relay
// never care (they see decrypted bytes in the same evbuffers either way).
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <sys/socket.h>

#include "wsedge/proxy/session.h"
#include "wsedge/tls/bufferevent.h"
#include "wsedge/tls/client_context.h"
#include "wsedge/tls/server_context.h"

namespace wsedge::proxy {

bufferevent* Session::newClientTransport(evutil_socket_t fd) {
  // With a PROXY header in front, TLS starts only once that header is read
  // (startClientTls, called from readProxyHeader).
  if (listener_.tls && !listener_.proxyProtocol) {
    // Server::buildRuntime refuses a reload that adds or removes TLS on a
    // bound listener, so a TLS listener always has its context here.
    const tls::ServerContext* ctx = runtime_->serverTls(listener_.index);
    bufferevent* bev = ctx ? tls::newServerBufferevent(host_.base(), fd, ctx->newSsl()) : nullptr;
    if (bev != nullptr) return bev;
    // Out of memory: never fall back to plaintext on a TLS port. Shut the
    // socket both ways: the first read sees EOF and ends the session.
    ::shutdown(fd, SHUT_RDWR);
  }
  // BEV_OPT_CLOSE_ON_FREE: the bufferevent owns fd from here on.
  return bufferevent_socket_new(host_.base(), fd, BEV_OPT_CLOSE_ON_FREE);
}

bufferevent* Session::newUpstreamTransport(const balance::Server& server) {
  if (const tls::ClientContext* ctx = runtime_->clientTls(&server)) {
    return tls::newClientBufferevent(host_.base(), ctx->newSsl());
  }
  return bufferevent_socket_new(host_.base(), -1, BEV_OPT_CLOSE_ON_FREE);
}

bool Session::startClientTls() {
  const tls::ServerContext* ctx = runtime_->serverTls(listener_.index);
  bufferevent* plain = client_.release();
  bufferevent* bev = ctx ? tls::newServerFilter(host_.base(), plain, ctx->newSsl()) : nullptr;
  if (bev == nullptr) {
    client_.reset(plain);
    return false;
  }
  client_.reset(bev);
  bufferevent_setcb(client(), &Session::onClientRead, &Session::onClientWrite,
                    &Session::onClientEvent, this);
  bufferevent_enable(client(), EV_READ);
  return true;
}

bool Session::connectUpstream(const net::SockAddr& addr) {
  // Works for TLS bufferevents too: TCP connect, then the handshake, then
  // BEV_EVENT_CONNECTED, all inside timeouts.upstream_connect.
  return bufferevent_socket_connect(upstream(), const_cast<sockaddr*>(addr.get()),
                                    static_cast<int>(addr.length)) == 0;
}

void Session::shutdownWrite(bufferevent* bev) {
  // TLS: close_notify, then FIN. TLS 1.3 defines close_notify as closing one
  // direction only, which is exactly our half-close; the peer may keep
  // sending (its close frame, say) until it closes too.
  tls::sendCloseNotify(bev);
  ::shutdown(bufferevent_getfd(bev), SHUT_WR);
}

bool Session::writesDirectly(bufferevent* bev) {
  // TLS bufferevents must encrypt what they send: only plain sockets qualify.
  return bufferevent_openssl_get_ssl(bev) == nullptr;
}

void Session::pushOut(bool toClient) {
  bufferevent* bev = toClient ? client() : upstream();
  if (bev == nullptr || !(toClient ? clientDirect_ : upstreamDirect_)) return;
  evbuffer* out = bufferevent_get_output(bev);
  if (evbuffer_get_length(out) == 0) return;
  // Write now, from the callback that produced the bytes: no EV_WRITE
  // registration and no extra loop turn. The bufferevent freezes the start of
  // its output while it owns the writing; EV_WRITE is off here, so it does not.
  evbuffer_unfreeze(out, 1);
  evbuffer_write(out, bufferevent_getfd(bev));
  evbuffer_freeze(out, 1);
  std::size_t left = evbuffer_get_length(out);
  if (left != 0) {
    // The kernel is full (or the write failed): the bufferevent takes over,
    // reports errors as events and calls the write callback as it drains.
    bufferevent_enable(bev, EV_WRITE);
    return;
  }
  // Drained by us: do what the write callback would have done.
  resumePaused(toClient);
  if (state_ == State::Closing) flushAndShutdown();
}

}  // namespace wsedge::proxy
