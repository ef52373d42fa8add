#include "wsedge/policy/filter.h"

#include "wsedge/http/upgrade.h"

namespace wsedge::policy {

FilterResult FilterChain::run(HandshakeContext& ctx) const {
  for (const auto& f : filters_) {
    FilterResult r = f->onRequest(ctx);
    if (r.rejected) return r;
  }
  return FilterResult::next();
}

FilterResult IpLimitFilter::onRequest(HandshakeContext& ctx) const {
  Admission a = limiter_.admit(ctx.client);
  if (a.admitted) {
    ctx.lease = std::move(a.lease);
    return FilterResult::next();
  }
  std::vector<http::Header> headers;
  if (a.reason == RejectReason::RateLimited) {
    headers.push_back({"Retry-After", std::to_string(a.retryAfter.count())});
  }
  return FilterResult::reject(a.reason, std::move(headers));
}

FilterResult UpgradeFilter::onRequest(HandshakeContext& ctx) const {
  const http::UpgradeCheck check = http::validateUpgrade(ctx.request);
  if (check.isUpgrade()) return FilterResult::next();
  if (check.status == 426) {
    std::vector<http::Header> headers;
    if (check.reason == "version") headers.push_back({"Sec-WebSocket-Version", "13"});
    return FilterResult::reject(RejectReason::UpgradeRequired, std::move(headers),
                                std::string(check.reason));
  }
  return FilterResult::reject(RejectReason::BadRequest, {}, std::string(check.reason));
}

FilterResult OriginFilter::onRequest(HandshakeContext& ctx) const {
  const auto n = ctx.request.headers.count("Origin");
  if (n > 1) return FilterResult::reject(RejectReason::Origin, {}, "several_origins");
  if (!policy_.allowed(ctx.request.headers.get("Origin"))) {
    return FilterResult::reject(RejectReason::Origin, {}, n == 0 ? "missing" : "not_allowed");
  }
  return FilterResult::next();
}

FilterResult JwtAuthFilter::onRequest(HandshakeContext& ctx) const {
  const JwtConfig& cfg = verifier_->config();
  auto extracted = extractToken(ctx.request, cfg.tokenFrom);
  if (!extracted) {
    return FilterResult::reject(RejectReason::Auth, {{"WWW-Authenticate", "Bearer"}},
                                std::string(jwtErrorName(JwtError::Missing)));
  }
  JwtResult r = verifier_->verify(extracted->token, ctx.wallNow);
  if (!r.ok()) {
    return FilterResult::reject(RejectReason::Auth,
                                {{"WWW-Authenticate", "Bearer error=\"invalid_token\""}},
                                std::string(jwtErrorName(r.error)));
  }
  stripToken(ctx.request, *extracted);
  applyForwardClaims(ctx.request, cfg, &r.claims);
  if (cfg.closeOnExpiry) ctx.tokenExp = r.exp;
  ctx.answerBearerSubprotocol = extracted->source.kind == TokenSource::Kind::Subprotocol;
  ctx.claims = std::move(r.claims);
  return FilterResult::next();
}

}  // namespace wsedge::policy
