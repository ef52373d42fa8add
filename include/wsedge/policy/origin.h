#pragma once
// Per-route Origin check (SPEC §3 step 5), the CSWSH guard. Patterns are exact
// origins ("https://app.example.com", "http://127.0.0.1:3000"), subdomain
// wildcards ("https://*.example.com": any depth of subdomain, never the bare
// domain) or "null" (sandboxed iframes, file://). Scheme, host and port are
// all significant; a missing port means the scheme's default (http 80,
// https 443), so "https://a.com" and "https://a.com:443" are the same origin.
// Hosts compare ASCII case-insensitively.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/core/result.h"

namespace wsedge::policy {

/// A parsed origin or origin pattern.
struct OriginPattern {
  std::string scheme;  // lower-case
  std::string host;    // lower-case; for a wildcard, the suffix after "*." ; IPv6 without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default; 0 = none known
  bool wildcard = false;
  bool isNull = false;
};

class OriginPolicy {
 public:
  /// Any origin is allowed (allowed_origins absent); `requireOrigin` still applies.
  static OriginPolicy any(bool requireOrigin = false);
  /// Parses the allowed_origins list. On error, a message naming the bad
  /// pattern, for the config loader to report at the key's position.
  static core::Result<OriginPolicy> parse(const std::vector<std::string>& patterns,
                                          bool requireOrigin);
  /// Parses one pattern; nullopt with `error` set when invalid.
  static std::optional<OriginPattern> parsePattern(std::string_view text, std::string& error);

  /// The decision for a request whose Origin header is `origin` (nullopt when
  /// absent). Thread-safe (const).
  bool allowed(std::optional<std::string_view> origin) const;

  bool requireOrigin() const { return requireOrigin_; }
  bool allowsAny() const { return any_; }

 private:
  std::vector<OriginPattern> patterns_;
  bool requireOrigin_ = false;
  bool any_ = false;
};

/// Parses an Origin header value ("null" or scheme://host[:port], no path);
/// nullopt when it is not a serialized origin.
std::optional<OriginPattern> parseOrigin(std::string_view value);

}  // namespace wsedge::policy
