#include "wsedge/server/policy_build.h"

#include <chrono>

#include "wsedge/policy/filter.h"
#include "wsedge/policy/jwt_settings.h"

namespace wsedge::server {
namespace {

config::ConfigError errorAt(const config::Config& cfg, config::Place p, std::string message) {
  return {cfg.sourcePath, p.line, p.line > 0 ? p.column : 0, std::move(message)};
}

/// The key a policy error names ("jwks_file: cannot read ..." -> "jwks_file").
std::string_view keyOf(std::string_view message) {
  auto colon = message.find(':');
  return colon == std::string_view::npos ? std::string_view() : message.substr(0, colon);
}

policy::JwtSettings settingsOf(const config::Auth& a) {
  policy::JwtSettings s;
  s.algorithms = a.algorithms;
  s.secret = a.secret;
  s.secretFile = a.secretFile;
  s.jwksFile = a.jwksFile;
  s.publicKeyFile = a.publicKeyFile;
  s.issuer = a.issuer;
  s.audience = a.audience;
  s.leeway = std::chrono::duration_cast<std::chrono::seconds>(a.leeway);
  s.tokenFrom = a.tokenFrom;
  s.forwardClaims = a.forwardClaims;
  s.closeOnExpiry = a.closeOnExpiry;
  return s;
}

/// One verifier per [auth.*] table (null where it failed), errors appended.
std::vector<std::shared_ptr<const policy::JwtVerifier>> buildVerifiers(
    const config::Config& cfg, std::vector<config::ConfigError>& errors) {
  std::vector<std::shared_ptr<const policy::JwtVerifier>> out;
  for (const auto& a : cfg.auth) {
    policy::JwtSettingsResult r = policy::buildJwtConfig(settingsOf(a), &policy::readWholeFile);
    for (const auto& e : r.errors) {
      errors.push_back(errorAt(cfg, a.placeOf(keyOf(e)), "auth." + a.name + "." + e));
    }
    out.push_back(r.config ? std::make_shared<const policy::JwtVerifier>(std::move(*r.config))
                           : nullptr);
  }
  return out;
}

std::optional<policy::OriginPolicy> originPolicy(const config::Config& cfg, std::size_t i,
                                                 std::vector<config::ConfigError>& errors) {
  const config::Route& route = cfg.routes[i];
  if (!route.allowedOrigins) return policy::OriginPolicy::any(route.requireOrigin);
  bool ok = true;
  const std::string path = "routes[" + std::to_string(i) + "].allowed_origins";
  for (std::size_t j = 0; j < route.allowedOrigins->size(); ++j) {
    std::string why;
    if (!policy::OriginPolicy::parsePattern((*route.allowedOrigins)[j], why)) {
      ok = false;
      errors.push_back(errorAt(cfg, route.allowedOriginPlaces[j],
                               path + "[" + std::to_string(j) + "]: " + why));
    }
  }
  if (!ok) return std::nullopt;
  auto p = policy::OriginPolicy::parse(*route.allowedOrigins, route.requireOrigin);
  if (!p) {
    errors.push_back(errorAt(cfg, {}, path + ": " + p.error()));
    return std::nullopt;
  }
  return std::move(p).value();
}

}  // namespace

policy::IpLimiterConfig ipLimiterConfig(const config::Config& cfg) {
  policy::IpLimiterConfig c;
  c.handshakesPerSecond = static_cast<double>(cfg.limits.perIpHandshakesPerSecond);
  c.handshakesBurst = static_cast<double>(cfg.limits.perIpHandshakesBurst);
  c.perIpConnections = cfg.limits.perIpConnections;
  c.maxConnections = cfg.global.maxConnections;
  c.ipv6Prefix = cfg.limits.ipv6Prefix;
  c.maxEntries = cfg.limits.perIpMaxEntries;
  return c;
}

PolicyBuild buildPolicies(const config::Config& cfg, policy::IpLimiter* limiter) {
  PolicyBuild out;
  auto verifiers = buildVerifiers(cfg, out.errors);
  auto upgrade = std::make_shared<const policy::UpgradeFilter>();
  std::shared_ptr<const policy::IpLimitFilter> limits;
  if (limiter != nullptr) limits = std::make_shared<const policy::IpLimitFilter>(*limiter);
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    const config::Route& route = cfg.routes[i];
    auto origin = originPolicy(cfg, i, out.errors);
    if (!out.errors.empty()) continue;
    // SPEC §3 order: limits (3), validity (4), origin (5), auth (6).
    auto chain = std::make_shared<policy::FilterChain>();
    if (limits) chain->add(limits);
    chain->add(upgrade);
    if (!origin->allowsAny() || origin->requireOrigin()) {
      chain->add(std::make_shared<const policy::OriginFilter>(std::move(*origin)));
    }
    proxy::RoutePolicy rp;
    if (route.auth) {
      rp.verifier = verifiers[route.authIndex];
      chain->add(std::make_shared<const policy::JwtAuthFilter>(rp.verifier));
    }
    rp.chain = std::move(chain);
    out.routes.push_back(std::move(rp));
  }
  if (!out.errors.empty()) out.routes.clear();
  return out;
}

}  // namespace wsedge::server
