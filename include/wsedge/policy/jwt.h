#pragma once
// JWT (JWS compact serialization) verification for [auth.*] type = "jwt",
// with OpenSSL EVP doing every cryptographic step. The verifier is immutable
// after construction and shared by all workers (const methods only).
// Security rules it enforces:
//  - the algorithm must be in the configured list; "none" never is;
//  - a key is only used with the algorithms of its own type;
//  - a "kid" in the token selects the key with that kid;
//  - exp, nbf and iat are checked with the configured leeway; iss and aud
//    when configured;
//  - errors name a reason, never the token or its claims, so they may be logged.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wsedge/core/result.h"
#include "wsedge/policy/jwt_keys.h"

namespace wsedge::policy {

/// Where a token may come from (token_from), tried in the configured order.
struct TokenSource {
  enum class Kind { Header, Query, Cookie, Subprotocol };
  Kind kind = Kind::Header;
  std::string name;  // header, query parameter or cookie name; empty for Subprotocol

  /// "header:Authorization", "query:access_token", "cookie:token", "subprotocol".
  static core::Result<TokenSource> parse(std::string_view text);
};

struct JwtConfig {
  std::vector<JwtAlg> algorithms;
  std::vector<JwtKey> keys;           // from secret / secret_file / jwks_file
  std::optional<std::string> issuer;  // checked when set
  std::vector<std::string> audience;  // the token must name one of them; empty = not checked
  std::chrono::seconds leeway{0};
  std::vector<TokenSource> tokenFrom{{TokenSource::Kind::Header, "Authorization"}};
  std::vector<std::pair<std::string, std::string>> forwardClaims;  // claim -> header name
  bool closeOnExpiry = false;
  std::size_t maxTokenSize = 8192;  // bytes; longer tokens are refused unparsed

  /// Consistency problems, one message each (empty = fine): no algorithm, an
  /// algorithm with no key that could verify it, a bad forward_claims header name.
  std::vector<std::string> validate() const;
};

enum class JwtError {
  None,
  Missing,  // no token in any configured place
  TooLarge,
  Malformed,       // not three base64url parts of JSON objects
  UnsupportedAlg,  // unknown algorithm, "none", or "crit" headers
  AlgNotAllowed,   // a real algorithm, but not in `algorithms`
  UnknownKid,
  NoKey,  // no key of the algorithm's type
  BadSignature,
  Expired,
  NotYetValid,
  IssuedInFuture,
  BadIssuer,
  BadAudience,
  BadClaim,  // a registered claim of the wrong JSON type
};

/// Log-safe name, e.g. "expired", "bad_signature".
std::string_view jwtErrorName(JwtError e);

struct JwtResult {
  JwtError error = JwtError::None;
  nlohmann::json claims;            // the payload object when ok
  std::optional<std::int64_t> exp;  // seconds since the epoch, when the token has one
  std::optional<JwtAlg> alg;
  bool ok() const { return error == JwtError::None; }
};

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtConfig config) : config_(std::move(config)) {}

  /// Verifies a compact JWS at wall-clock time `now`. Any thread.
  JwtResult verify(std::string_view token, std::chrono::system_clock::time_point now) const;

  const JwtConfig& config() const { return config_; }

 private:
  JwtError checkSignature(JwtAlg alg, const std::optional<std::string>& kid,
                          std::string_view signingInput, std::string_view signature) const;
  JwtError checkClaims(const nlohmann::json& claims, std::int64_t now, JwtResult& out) const;

  JwtConfig config_;
};

/// Verifies one signature with one key, EVP only. Exposed for tests.
bool verifyJwsSignature(JwtAlg alg, const JwtKey& key, std::string_view signingInput,
                        std::string_view signature);

}  // namespace wsedge::policy
