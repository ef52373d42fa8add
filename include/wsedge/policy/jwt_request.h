#pragma once
// Where the JWT filter meets HTTP: finding the token in a request per
// token_from, and rewriting the request before it goes upstream (the token
// removed from the query string and from Sec-WebSocket-Protocol, client-sent
// copies of claim headers removed, verified claims added).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wsedge/http/request_parser.h"
#include "wsedge/http/response_parser.h"
#include "wsedge/policy/jwt.h"

namespace wsedge::policy {

/// The subprotocol a client offers in front of its token:
/// `Sec-WebSocket-Protocol: bearer, <token>[, others]`.
inline constexpr std::string_view kBearerSubprotocol = "bearer";

struct ExtractedToken {
  std::string token;
  TokenSource source;
};

/// The first token found, trying `sources` in order. header:Authorization
/// takes "Bearer <token>" (scheme case-insensitive); another header its value
/// with an optional "Bearer " prefix; query:NAME the percent-decoded value;
/// cookie:NAME the cookie's value; subprotocol the entry after "bearer".
std::optional<ExtractedToken> extractToken(const http::Request& req,
                                           const std::vector<TokenSource>& sources);

/// Removes the token from what goes upstream: the query parameter (every
/// occurrence; the '?' too when nothing is left), or "bearer" and the token
/// from Sec-WebSocket-Protocol (the header too when nothing is left).
/// Header and cookie tokens stay: the backend may want them.
void stripToken(http::Request& req, const ExtractedToken& extracted);

/// Removes every header named in forward_claims (a client must not be able to
/// set them), then adds one per claim present in `claims`: strings as they
/// are, other JSON values serialized. Values with control characters are
/// dropped rather than forwarded.
void applyForwardClaims(http::Request& req, const JwtConfig& config, const nlohmann::json* claims);

/// For a token offered by subprotocol: when the backend's 101 selects no
/// subprotocol, answer `Sec-WebSocket-Protocol: bearer` ourselves, since a
/// browser fails a handshake whose offered protocols were all ignored.
void completeBearerSubprotocol(http::Response& resp);

/// target with every `name` query parameter removed.
std::string removeQueryParam(std::string_view target, std::string_view name);

}  // namespace wsedge::policy
