#pragma once
// TLS bufferevents (libevent's bufferevent_openssl on the socket) and the few
// questions the session asks about them. Worker thread only, like the
// bufferevents themselves.
//
// Why bufferevent_openssl on the socket and not a filter or our own BIO: it
// reads and writes the socket directly (one SSL_read/SSL_write per chunk, no
// second evbuffer layer), keeps the relay's evbuffer_remove_buffer moves
// intact above it, and libevent already handles WANT_READ/WANT_WRITE during
// renegotiation-free I/O. See docs/tls.md for the measurements.
#include <event2/util.h>

#include <string>

struct bufferevent;
struct event_base;
struct ssl_st;

namespace wsedge::tls {

/// A TLS server bufferevent on the accepted `fd`, handshake pending. Takes
/// `ssl` and `fd` (BEV_OPT_CLOSE_ON_FREE: freeing it frees both); null on failure.
bufferevent* newServerBufferevent(event_base* base, evutil_socket_t fd, ssl_st* ssl);
/// A TLS server layer over `plain` (a socket bufferevent that has already
/// read what came before TLS, e.g. a PROXY protocol header). Takes `ssl` and
/// `plain` (freeing the result frees both); null on failure.
bufferevent* newServerFilter(event_base* base, bufferevent* plain, ssl_st* ssl);
/// An unconnected TLS client bufferevent (bufferevent_socket_connect starts
/// TCP, then the handshake; BEV_EVENT_CONNECTED comes after the handshake).
/// Takes `ssl`; null on failure.
bufferevent* newClientBufferevent(event_base* base, ssl_st* ssl);

/// The SSL under `bev`; null for plain TCP.
ssl_st* sslOf(bufferevent* bev);
/// True when `bev` is TLS and its handshake has not finished.
bool handshakePending(bufferevent* bev);
/// Why TLS on `bev` failed: the certificate verification error, else the
/// OpenSSL errors libevent recorded; "" when nothing TLS-specific is known
/// (e.g. a plain TCP reset). Drains libevent's error queue for `bev`.
std::string failureReason(bufferevent* bev);
/// Sends close_notify once on an established TLS `bev` (no-op otherwise). Best
/// effort: called when the output is flushed, right before shutdown(SHUT_WR).
void sendCloseNotify(bufferevent* bev);

}  // namespace wsedge::tls
