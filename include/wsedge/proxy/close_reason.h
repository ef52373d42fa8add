#pragma once
// Every session ends with exactly one CloseReason. It decides the status or
// close codes sent, the access log's reject_reason / closed_by, and a counter.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wsedge::proxy {

enum class CloseReason : std::uint8_t {
  None,
  // Before the upgrade: an HTTP answer from the proxy.
  BadRequest,        // 400 (head syntax, bad upgrade)
  UriTooLong,        // 414
  HeadTooLarge,      // 431
  NotWebSocket,      // 426 (plain HTTP, wrong version)
  NoRoute,           // 404
  TooManyConnections,// 429 per-IP concurrent connections
  Overloaded,        // 503 global.max_connections
  RateLimited,       // 429 + Retry-After: per-IP handshake rate
  Origin,            // 403 Origin not allowed (before auth)
  Auth,              // 401 + WWW-Authenticate: token missing or invalid
  ProxyProtocol,     // no valid PROXY header on a proxy_protocol listener: closed, no answer
  NoServer,          // 503 no available server
  UpstreamError,     // 502 connect failed twice, bad 101
  UpstreamTimeout,   // 504 no 101 in time
  HandshakeTimeout,  // 408 head not complete in time
  ClientGoneEarly,   // client left before the upgrade finished
  UpstreamRejected,  // the backend answered non-101; relayed unchanged
  // After the upgrade.
  NormalClose,       // close handshake relayed
  ClientProtocol,    // client broke RFC 6455: 1002 / 1001
  ServerProtocol,    // backend broke RFC 6455: 1002 to the backend, 1014 to the client
  MessageTooBig,     // 1009 / 1001
  ClientGone,        // client EOF or reset without a close: 1001 to the backend
  UpstreamGone,      // backend EOF or reset without a close: 1014 to the client
  Drain,             // proxy shutting down: 1001 / 1001
  TokenExpired,      // close_on_expiry: the token's exp passed: 1008 / 1001
  MessageRate,       // client over its message/byte rate, on_rate_exceeded = "close": 1008 / 1001
  TlsHandshake,      // client TLS handshake failed (closed, no answer possible), or
                     // the backend's TLS failed (verification...): 502
};

/// Access-log / metrics name ("bad_request", "no_route", ...).
std::string_view reasonName(CloseReason r);
/// Number of CloseReason values (for per-reason counters).
inline constexpr std::size_t kCloseReasonCount = 64;
/// HTTP status the proxy answers with for a pre-upgrade reason, else 0.
int reasonStatus(CloseReason r);

}  // namespace wsedge::proxy
