#pragma once
// Listening sockets: one per worker and listener, bound with SO_REUSEPORT so
// the kernel spreads new connections over the workers.
#include <string>

#include "wsedge/net/address.h"

namespace wsedge::net {

/// A non-blocking, listening socket on `addr` with SO_REUSEADDR and
/// SO_REUSEPORT (IPV6_V6ONLY for IPv6). Returns the fd, or -1 with `error` set.
/// The caller owns the fd.
int openListenSocket(const SockAddr& addr, std::string& error);

}  // namespace wsedge::net
