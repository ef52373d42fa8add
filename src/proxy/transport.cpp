// The transport under a session: plain TCP bufferevents today. TLS plugs in
// here (and only here) so the handshake and the relay never care.
#include <event2/bufferevent.h>
#include <sys/socket.h>

#include "wsedge/proxy/session.h"

namespace wsedge::proxy {

bufferevent* Session::newClientTransport(evutil_socket_t fd) {
  // BEV_OPT_CLOSE_ON_FREE: the bufferevent owns fd from here on.
  return bufferevent_socket_new(host_.base(), fd, BEV_OPT_CLOSE_ON_FREE);
}

bufferevent* Session::newUpstreamTransport(const balance::Server&) {
  return bufferevent_socket_new(host_.base(), -1, BEV_OPT_CLOSE_ON_FREE);
}

bool Session::connectUpstream(const net::SockAddr& addr) {
  return bufferevent_socket_connect(upstream(), const_cast<sockaddr*>(addr.get()),
                                    static_cast<int>(addr.length)) == 0;
}

void Session::shutdownWrite(bufferevent* bev) {
  ::shutdown(bufferevent_getfd(bev), SHUT_WR);
}

}  // namespace wsedge::proxy
