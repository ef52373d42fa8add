#pragma once
// Socket addresses: resolution of config addresses and formatting for logs
// and X-Forwarded-For.
#include <sys/socket.h>

#include <optional>
#include <string>

#include "wsedge/config/config.h"

namespace wsedge::net {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

/// Resolves a HostPort (numeric literal, or a DNS name: blocking getaddrinfo,
/// so only on the main thread at load/reload time). Empty on failure.
std::optional<SockAddr> resolve(const config::HostPort& hp);
/// "203.0.113.7" / "2001:db8::1" (no port, no brackets).
std::string ipString(const sockaddr* sa);
/// "203.0.113.7:51234" / "[2001:db8::1]:51234".
std::string endpointString(const sockaddr* sa);

}  // namespace wsedge::net
