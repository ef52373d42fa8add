#pragma once
// The named reason of every handshake rejection. One name drives the HTTP
// status, the access log's reject_reason and the handshakes_rejected_total
// counter label, so the three can never disagree.
#include <string_view>

namespace wsedge::policy {

enum class RejectReason {
  NoRoute,             // 404
  BadRequest,          // 400 (bad syntax, bad upgrade, bad PROXY header)
  UpgradeRequired,     // 426 (plain request, wrong Sec-WebSocket-Version)
  HeadTooLarge,        // 431
  UriTooLong,          // 414
  Timeout,             // 408 (request head not complete in time)
  RateLimited,         // 429 + Retry-After (per-IP handshake rate)
  TooManyConnections,  // 429 (per-IP concurrent connections)
  Overloaded,          // 503 (global max_connections)
  Origin,              // 403
  Auth,                // 401 + WWW-Authenticate
  NoServer,            // 503 (no healthy server in the pool)
  UpstreamError,       // 502 (refused, reset, bad answer before the 101)
  UpstreamTimeout,     // 504 (no answer to the upgrade in time)
  Draining,            // 503 (the proxy is shutting down)
};

/// The snake_case name used in logs and metric labels, e.g. "rate_limited".
std::string_view name(RejectReason r);

/// The HTTP status the client gets for `r`.
int httpStatus(RejectReason r);

}  // namespace wsedge::policy
