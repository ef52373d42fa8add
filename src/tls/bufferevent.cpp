#include "wsedge/tls/bufferevent.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace wsedge::tls {
namespace {

bufferevent* wrap(event_base* base, evutil_socket_t fd, SSL* ssl, bufferevent_ssl_state state) {
  if (ssl == nullptr) return nullptr;
  // BEV_OPT_CLOSE_ON_FREE: the bufferevent owns ssl and fd from here on (and
  // frees ssl itself if it cannot be created).
  bufferevent* bev = bufferevent_openssl_socket_new(base, fd, ssl, state, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) return nullptr;
  // Many peers (browsers among them) close TCP without close_notify. With
  // this, that is an ordinary EOF; a truncation attack is not a concern for
  // WebSocket, whose frames carry their own lengths and close handshake.
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

}  // namespace

bufferevent* newServerBufferevent(event_base* base, evutil_socket_t fd, ssl_st* ssl) {
  return wrap(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING);
}

bufferevent* newServerFilter(event_base* base, bufferevent* plain, ssl_st* ssl) {
  if (ssl == nullptr) return nullptr;
  // BEV_OPT_CLOSE_ON_FREE: the filter owns ssl and `plain` (and its fd).
  bufferevent* bev =
      bufferevent_openssl_filter_new(base, plain, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) return nullptr;
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  // Bytes already read after the PROXY header (the ClientHello, usually) sit
  // in `plain`'s input: let the filter see them now, not on the next packet.
  if (evbuffer_get_length(bufferevent_get_input(plain)) > 0) bufferevent_trigger(plain, EV_READ, 0);
  return bev;
}

bufferevent* newClientBufferevent(event_base* base, ssl_st* ssl) {
  return wrap(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING);
}

ssl_st* sslOf(bufferevent* bev) { return bev ? bufferevent_openssl_get_ssl(bev) : nullptr; }

bool handshakePending(bufferevent* bev) {
  SSL* ssl = sslOf(bev);
  return ssl != nullptr && SSL_is_init_finished(ssl) == 0;
}

std::string failureReason(bufferevent* bev) {
  SSL* ssl = sslOf(bev);
  if (ssl == nullptr) return {};
  // libevent queues the SSL_get_error() value (a small number, not an
  // OpenSSL error code) next to the real errors: keep the first real one.
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = bufferevent_get_openssl_error(bev)) != 0) {
    if (ERR_GET_LIB(code) != 0 && last == 0) last = code;
  }
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (last == 0) return {};
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

void sendCloseNotify(bufferevent* bev) {
  SSL* ssl = sslOf(bev);
  if (ssl == nullptr || SSL_is_init_finished(ssl) == 0) return;
  if ((SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) != 0) return;
  // Output is flushed, so this alert follows the last record on the wire. A
  // full socket buffer (WANT_WRITE) loses it: the peer then sees a dirty
  // shutdown, which it must tolerate anyway.
  SSL_shutdown(ssl);
  ERR_clear_error();
}

}  // namespace wsedge::tls
