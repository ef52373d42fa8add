#pragma once
// Pure helpers of the handshake: routing and the request sent upstream.
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "wsedge/config/config.h"
#include "wsedge/http/request_parser.h"

namespace wsedge::proxy {

/// The Host header without port, lower-cased ("" when absent).
std::string normalizedHost(const http::Request& req);

/// Index of the first route matching host and path, or -1. A route without a
/// host matches any; path_prefix is a plain prefix of the path.
int matchRoute(const config::Config& cfg, std::string_view host, std::string_view path);

/// The upgrade request as sent to the backend: hop-by-hop headers (and those
/// the client's Connection lists) removed, `Connection: Upgrade` and
/// `Upgrade: websocket` re-added, X-Forwarded-For appended, X-Forwarded-Proto
/// and X-Forwarded-Host set, Forwarded appended (RFC 7239).
std::string buildForwardHead(const http::Request& req, const sockaddr* client, bool tls);

}  // namespace wsedge::proxy
