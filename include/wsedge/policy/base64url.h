#pragma once
// base64url without padding (RFC 4648 §5), as JWS and JWK use it.
#include <optional>
#include <string>
#include <string_view>

namespace wsedge::policy {

/// Strict decode: only the url-safe alphabet, no '=' padding, no whitespace.
std::optional<std::string> base64UrlDecode(std::string_view in);
std::string base64UrlEncode(std::string_view in);

}  // namespace wsedge::policy
