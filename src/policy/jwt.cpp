#include "wsedge/policy/jwt.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "wsedge/policy/base64url.h"

namespace wsedge::policy {
namespace {

using Json = nlohmann::json;

std::optional<Json> decodeJsonObject(std::string_view b64) {
  auto raw = base64UrlDecode(b64);
  if (!raw) return std::nullopt;
  Json j = Json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool validHeaderName(std::string_view n) {
  if (n.empty()) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// A NumericDate (RFC 7519 §2): a JSON number, possibly with a fraction.
std::optional<std::optional<double>> numericDate(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>{};
  if (!it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return std::optional<double>{v};
}

}  // namespace

core::Result<TokenSource> TokenSource::parse(std::string_view text) {
  using R = core::Result<TokenSource>;
  if (text == "subprotocol") return R::ok({Kind::Subprotocol, ""});
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return R::fail("token_from: \"" + std::string(text) +
                   "\": expected header:NAME, query:NAME, cookie:NAME or subprotocol");
  }
  const std::string_view kind = text.substr(0, colon);
  std::string name(text.substr(colon + 1));
  if (kind == "header") {
    if (!validHeaderName(name)) return R::fail("token_from: bad header name \"" + name + "\"");
    return R::ok({Kind::Header, name});
  }
  if (kind == "query") return R::ok({Kind::Query, name});
  if (kind == "cookie") return R::ok({Kind::Cookie, name});
  return R::fail("token_from: unknown source \"" + std::string(kind) + "\"");
}

std::vector<std::string> JwtConfig::validate() const {
  std::vector<std::string> errors;
  if (algorithms.empty()) errors.push_back("algorithms: at least one algorithm is needed");
  for (JwtAlg a : algorithms) {
    const bool any = std::any_of(keys.begin(), keys.end(),
                                 [&](const JwtKey& k) { return keyFitsAlg(k.kind, a); });
    if (!any) {
      errors.push_back(
          "algorithms: " + std::string(jwtAlgName(a)) + " is allowed but no key can verify it" +
          (keyFitsAlg(KeyKind::Hmac, a) ? " (set secret or secret_file)" : " (set jwks_file)"));
    }
  }
  if (tokenFrom.empty()) errors.push_back("token_from: at least one source is needed");
  for (const auto& [claim, header] : forwardClaims) {
    if (!validHeaderName(header))
      errors.push_back("forward_claims: bad header name \"" + header + "\"");
    if (claim.empty()) errors.push_back("forward_claims: empty claim name");
  }
  return errors;
}

std::string_view jwtErrorName(JwtError e) {
  switch (e) {
    case JwtError::None:
      return "ok";
    case JwtError::Missing:
      return "missing";
    case JwtError::TooLarge:
      return "too_large";
    case JwtError::Malformed:
      return "malformed";
    case JwtError::UnsupportedAlg:
      return "unsupported_alg";
    case JwtError::AlgNotAllowed:
      return "alg_not_allowed";
    case JwtError::UnknownKid:
      return "unknown_kid";
    case JwtError::NoKey:
      return "no_key";
    case JwtError::BadSignature:
      return "bad_signature";
    case JwtError::Expired:
      return "expired";
    case JwtError::NotYetValid:
      return "not_yet_valid";
    case JwtError::IssuedInFuture:
      return "issued_in_future";
    case JwtError::BadIssuer:
      return "bad_issuer";
    case JwtError::BadAudience:
      return "bad_audience";
    case JwtError::BadClaim:
      return "bad_claim";
  }
  return "?";
}

JwtResult JwtVerifier::verify(std::string_view token,
                              std::chrono::system_clock::time_point now) const {
  JwtResult out;
  auto fail = [&](JwtError e) {
    out.error = e;
    out.claims = Json();
    out.exp.reset();
    return out;
  };
  if (token.empty()) return fail(JwtError::Missing);
  if (token.size() > config_.maxTokenSize) return fail(JwtError::TooLarge);
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtError::Malformed);
  }
  const std::string_view headerB64 = token.substr(0, dot1);
  const std::string_view payloadB64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sigB64 = token.substr(dot2 + 1);
  auto header = decodeJsonObject(headerB64);
  if (!header) return fail(JwtError::Malformed);

  auto algIt = header->find("alg");
  if (algIt == header->end() || !algIt->is_string()) return fail(JwtError::Malformed);
  const auto alg = parseJwtAlg(algIt->get_ref<const std::string&>());
  if (!alg) return fail(JwtError::UnsupportedAlg);
  out.alg = alg;
  if (std::find(config_.algorithms.begin(), config_.algorithms.end(), *alg) ==
      config_.algorithms.end()) {
    return fail(JwtError::AlgNotAllowed);
  }
  // We implement no header extensions, so any "crit" means we must refuse (RFC 7515 §4.1.11).
  if (header->contains("crit")) return fail(JwtError::UnsupportedAlg);
  std::optional<std::string> kid;
  if (auto k = header->find("kid"); k != header->end()) {
    if (!k->is_string()) return fail(JwtError::Malformed);
    kid = k->get<std::string>();
  }
  auto signature = base64UrlDecode(sigB64);
  if (!signature || signature->empty()) return fail(JwtError::Malformed);
  // The signature is checked before the payload is even parsed: nothing an
  // unauthenticated party wrote is interpreted beyond the header.
  if (auto e = checkSignature(*alg, kid, token.substr(0, dot2), *signature); e != JwtError::None)
    return fail(e);

  auto claims = decodeJsonObject(payloadB64);
  if (!claims) return fail(JwtError::Malformed);
  const auto nowSecs =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (auto e = checkClaims(*claims, nowSecs, out); e != JwtError::None) return fail(e);
  out.claims = std::move(*claims);
  return out;
}

JwtError JwtVerifier::checkSignature(JwtAlg alg, const std::optional<std::string>& kid,
                                     std::string_view signingInput,
                                     std::string_view signature) const {
  bool anyCandidate = false;
  auto tryKeys = [&](bool wantKid) {
    for (const auto& key : config_.keys) {
      if (!keyFitsAlg(key.kind, alg) || (key.alg && *key.alg != alg)) continue;
      if (wantKid ? key.kid != kid : key.kid.has_value() && kid.has_value()) continue;
      anyCandidate = true;
      if (verifyJwsSignature(alg, key, signingInput, signature)) return true;
    }
    return false;
  };
  // A kid selects its key; keys without a kid (secret, PEM) serve any token
  // of their type; a token without a kid may be checked against every key of
  // the algorithm's type.
  if (kid && tryKeys(true)) return JwtError::None;
  if (tryKeys(false)) return JwtError::None;
  if (!anyCandidate) return kid ? JwtError::UnknownKid : JwtError::NoKey;
  return JwtError::BadSignature;
}

JwtError JwtVerifier::checkClaims(const Json& claims, std::int64_t now, JwtResult& out) const {
  const auto leeway = static_cast<double>(config_.leeway.count());
  const double t = static_cast<double>(now);
  const auto exp = numericDate(claims, "exp");
  const auto nbf = numericDate(claims, "nbf");
  const auto iat = numericDate(claims, "iat");
  if (!exp || !nbf || !iat) return JwtError::BadClaim;
  if (*exp) {
    if (t >= **exp + leeway) return JwtError::Expired;
    out.exp = static_cast<std::int64_t>(std::floor(**exp));
  }
  if (*nbf && t + leeway < **nbf) return JwtError::NotYetValid;
  if (*iat && t + leeway < **iat) return JwtError::IssuedInFuture;
  if (config_.issuer) {
    auto it = claims.find("iss");
    if (it == claims.end() || !it->is_string() ||
        it->get_ref<const std::string&>() != *config_.issuer) {
      return JwtError::BadIssuer;
    }
  }
  if (!config_.audience.empty()) {
    auto it = claims.find("aud");
    if (it == claims.end()) return JwtError::BadAudience;
    auto accepted = [&](const Json& v) {
      return v.is_string() && std::find(config_.audience.begin(), config_.audience.end(),
                                        v.get_ref<const std::string&>()) != config_.audience.end();
    };
    bool ok = false;
    if (it->is_string()) {
      ok = accepted(*it);
    } else if (it->is_array()) {
      ok = std::any_of(it->begin(), it->end(), accepted);
    } else {
      return JwtError::BadClaim;
    }
    if (!ok) return JwtError::BadAudience;
  }
  return JwtError::None;
}

}  // namespace wsedge::policy
