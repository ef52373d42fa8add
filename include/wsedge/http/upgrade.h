#pragma once
// RFC 6455 §4.2.1 validation of an upgrade request, the Sec-WebSocket-Accept
// computation, and the small HTTP responses the proxy writes itself.
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/http/headers.h"
#include "wsedge/http/request_parser.h"
#include "wsedge/http/response_parser.h"

namespace wsedge::http {

struct UpgradeCheck {
  int status = 0;            // 0 = valid upgrade; else 400 or 426
  std::string_view reason;   // short, log-safe ("not_get", "bad_key", "version", ...)
  bool isUpgrade() const { return status == 0; }
};

/// Validates a WebSocket upgrade request. A request with no Upgrade header at
/// all is a plain HTTP request: 426. A version other than 13: 426 (the caller
/// adds `Sec-WebSocket-Version: 13`). Other faults (method not GET, Connection
/// without "upgrade", Upgrade not "websocket", a key that is not 16 bytes of
/// base64, HTTP/1.0): 400.
UpgradeCheck validateUpgrade(const Request& req);

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string computeAccept(std::string_view key);

/// Checks the backend's 101: status 101, Upgrade: websocket, Connection has
/// upgrade, Sec-WebSocket-Accept matches `clientKey`.
bool validateUpgradeResponse(const Response& resp, std::string_view clientKey);

/// Standard reason phrase ("Bad Request", ...).
std::string_view reasonPhrase(int status);

/// A complete, small response with Connection: close, Content-Length and a
/// short text body, plus `extra` headers.
std::string buildErrorResponse(int status, const std::vector<Header>& extra = {});

/// "GET /x HTTP/1.1\r\n" + headers + "\r\n".
std::string serializeRequestHead(const Request& req);
/// "HTTP/1.1 101 Switching Protocols\r\n" + headers + "\r\n".
std::string serializeResponseHead(const Response& resp);

/// Names of hop-by-hop headers that a proxy must not forward (RFC 9110 §7.6.1),
/// plus the ones listed in `connectionValue` (the Connection header's value).
bool isHopByHop(std::string_view name, std::string_view connectionValue);

}  // namespace wsedge::http
