#pragma once
// Verification keys for JWT auth and how they are loaded: an HMAC secret (from
// `secret` or the text of `secret_file`), a JWKS document (the text of
// `jwks_file`), or a PEM public key. Every key knows its kind, and a key is
// only ever used with the algorithms of that kind, so an RSA public key can
// never be used as an HMAC secret (the classic HS/RS confusion).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/core/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace wsedge::policy {

enum class KeyKind { Hmac, Rsa, EcP256, EcP384, Ed25519, Ed448 };
std::string_view keyKindName(KeyKind k);

enum class JwtAlg {
  HS256,
  HS384,
  HS512,
  RS256,
  RS384,
  RS512,
  PS256,
  PS384,
  PS512,
  ES256,
  ES384,
  EdDSA
};

/// "HS256" ... "EdDSA"; nullopt for anything else, including "none".
std::optional<JwtAlg> parseJwtAlg(std::string_view name);
std::string_view jwtAlgName(JwtAlg a);
/// Whether a key of kind `k` may verify `a` (EdDSA takes Ed25519 and Ed448).
bool keyFitsAlg(KeyKind k, JwtAlg a);

/// One verification key. Immutable once loaded; shared by every worker.
struct JwtKey {
  KeyKind kind = KeyKind::Hmac;
  std::optional<std::string> kid;     // from the JWK; none for secret / PEM keys
  std::optional<JwtAlg> alg;          // the JWK's "alg", if it pins one
  std::string secret;                 // Hmac only
  std::shared_ptr<evp_pkey_st> pkey;  // public key for the others
};

/// The HMAC key from `secret` text. Empty text is an error (an empty HMAC key
/// would let anyone sign).
core::Result<JwtKey> hmacKeyFromSecret(std::string_view secret);
/// The HMAC key from a secret_file's contents: one trailing newline ("\n" or
/// "\r\n") is removed, since editors add one.
core::Result<JwtKey> hmacKeyFromSecretFile(std::string_view contents);

/// Parses a JWKS ({"keys": [...]}) or a single JWK. Supports kty RSA (>= 2048
/// bits), EC (P-256, P-384; the point must be on the curve), OKP (Ed25519,
/// Ed448) and oct (HMAC). Keys with "use" other than "sig", or of a kind or
/// curve not supported, are skipped; a malformed key of a supported kind is an
/// error. Private members ("d", ...) are ignored, never loaded.
core::Result<std::vector<JwtKey>> keysFromJwks(std::string_view json);

/// A PEM "PUBLIC KEY" (SubjectPublicKeyInfo) of a supported kind, with an optional kid.
core::Result<JwtKey> keyFromPublicPem(std::string_view pem,
                                      std::optional<std::string> kid = std::nullopt);

}  // namespace wsedge::policy
