#pragma once
// What a worker needs to serve new connections: the immutable config snapshot,
// the pools built for it, and the resolved backend addresses. Built by the main
// thread at start and on reload, shared read-only by every worker; a session
// keeps the Runtime it started with.
#include <array>
#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include "wsedge/balance/balancer.h"
#include "wsedge/config/config.h"
#include "wsedge/net/address.h"
#include "wsedge/proxy/close_reason.h"

namespace wsedge::tls {
class ServerContext;
class ClientContext;
class TicketKeys;
}  // namespace wsedge::tls

namespace wsedge::policy {
class FilterChain;
class IpLimiter;
class JwtVerifier;
}  // namespace wsedge::policy

namespace wsedge::proxy {

/// The handshake policy of one route, built from its config (origin, auth) and
/// the process-wide limiter. Immutable, shared by every worker.
struct RoutePolicy {
  std::shared_ptr<const policy::FilterChain> chain;     // SPEC §3 steps 3-6, in order
  std::shared_ptr<const policy::JwtVerifier> verifier;  // null = no auth on this route
};

/// Process-wide counters shared by all workers (relaxed atomics).
struct SharedCounters {
  std::atomic<std::uint64_t> connectionsActive{0};
  /// Sessions ended, by CloseReason (rejections included): the counter behind
  /// handshakes_rejected_total{reason} and the proxy closes.
  std::array<std::atomic<std::uint64_t>, kCloseReasonCount> sessionsEnded{};
};

struct Runtime {
  config::ConfigPtr config;
  std::vector<std::shared_ptr<balance::PoolRuntime>> pools;  // same order as config->pools
  std::unordered_map<const balance::Server*, net::SockAddr> addresses;
  SharedCounters* counters = nullptr;  // owned by the Server, outlives every Runtime
  // TLS, loaded from the files at every build (so a reload re-reads them).
  std::vector<std::shared_ptr<const tls::ServerContext>> listenerTls;  // by listener index; null = plain
  std::unordered_map<const balance::Server*, std::shared_ptr<const tls::ClientContext>> upstreamTls;
  std::shared_ptr<tls::TicketKeys> ticketKeys;  // handed from runtime to runtime on reload
  // Policy (SPEC §3 steps 3-6): one entry per route; JWKS and secret files
  // are read again at every build.
  std::vector<RoutePolicy> routePolicies;
  policy::IpLimiter* ipLimiter = nullptr;  // owned by the Server, outlives every Runtime

  const net::SockAddr* addressOf(const balance::Server* s) const {
    auto it = addresses.find(s);
    return it == addresses.end() ? nullptr : &it->second;
  }
  /// The listener's TLS context; null for a plain listener.
  const tls::ServerContext* serverTls(std::size_t listener) const {
    return listener < listenerTls.size() ? listenerTls[listener].get() : nullptr;
  }
  /// The server's TLS client context; null when it is plain TCP.
  const tls::ClientContext* clientTls(const balance::Server* s) const {
    auto it = upstreamTls.find(s);
    return it == upstreamTls.end() ? nullptr : it->second.get();
  }
};

using RuntimePtr = std::shared_ptr<const Runtime>;

}  // namespace wsedge::proxy
