#pragma once
// Every session ends with exactly one CloseReason. It decides the status or
// close codes sent, the access log's reject_reason / closed_by, and a counter.
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
  TooManyConnections,// 503 global cap
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
  TlsHandshake,      // client TLS handshake failed (closed, no answer possible), or
                     // the backend's TLS failed (verification...): 502
};

/// Access-log / metrics name ("bad_request", "no_route", ...).
std::string_view reasonName(CloseReason r);
/// HTTP status the proxy answers with for a pre-upgrade reason, else 0.
int reasonStatus(CloseReason r);

}  // namespace wsedge::proxy
