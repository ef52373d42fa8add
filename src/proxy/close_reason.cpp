#include "wsedge/proxy/close_reason.h"

namespace wsedge::proxy {

std::string_view reasonName(CloseReason r) {
  switch (r) {
    case CloseReason::None: return "";
    case CloseReason::BadRequest: return "bad_request";
    case CloseReason::UriTooLong: return "uri_too_long";
    case CloseReason::HeadTooLarge: return "head_too_large";
    case CloseReason::NotWebSocket: return "not_websocket";
    case CloseReason::NoRoute: return "no_route";
    case CloseReason::TooManyConnections: return "too_many_connections";
    case CloseReason::Overloaded: return "overloaded";
    case CloseReason::RateLimited: return "rate_limited";
    case CloseReason::Origin: return "origin";
    case CloseReason::Auth: return "auth";
    case CloseReason::ProxyProtocol: return "proxy_protocol";
    case CloseReason::TokenExpired: return "token_expired";
    case CloseReason::MessageRate: return "message_rate";
    case CloseReason::NoServer: return "no_server";
    case CloseReason::UpstreamError: return "upstream_error";
    case CloseReason::UpstreamTimeout: return "upstream_timeout";
    case CloseReason::HandshakeTimeout: return "timeout";
    case CloseReason::ClientGoneEarly: return "client_gone";
    case CloseReason::UpstreamRejected: return "upstream_rejected";
    case CloseReason::NormalClose: return "normal";
    case CloseReason::ClientProtocol: return "client_protocol_error";
    case CloseReason::ServerProtocol: return "server_protocol_error";
    case CloseReason::MessageTooBig: return "message_too_big";
    case CloseReason::ClientGone: return "client_gone";
    case CloseReason::UpstreamGone: return "upstream_gone";
    case CloseReason::Drain: return "drain";
    case CloseReason::TlsHandshake: return "tls_error";
  }
  return "unknown";
}

int reasonStatus(CloseReason r) {
  switch (r) {
    case CloseReason::BadRequest: return 400;
    case CloseReason::UriTooLong: return 414;
    case CloseReason::HeadTooLarge: return 431;
    case CloseReason::NotWebSocket: return 426;
    case CloseReason::NoRoute: return 404;
    case CloseReason::TooManyConnections: return 429;
    case CloseReason::Overloaded: return 503;
    case CloseReason::RateLimited: return 429;
    case CloseReason::Origin: return 403;
    case CloseReason::Auth: return 401;
    // Never sent (the connection is closed without an answer); it makes the
    // access log name the rejection.
    case CloseReason::ProxyProtocol: return 400;
    case CloseReason::NoServer: return 503;
    case CloseReason::UpstreamError: return 502;
    case CloseReason::UpstreamTimeout: return 504;
    case CloseReason::HandshakeTimeout: return 408;
    // Sent only when the backend's TLS failed; a client whose own handshake
    // failed cannot be answered and is just closed.
    case CloseReason::TlsHandshake: return 502;
    default: return 0;
  }
}

}  // namespace wsedge::proxy
