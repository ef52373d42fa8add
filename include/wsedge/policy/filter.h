#pragma once
// The handshake policy chain (SPEC §3 steps 3, 5, 6): an ordered list of
// filters, each of which lets the request continue or rejects it with a
// status, a named reason and extra response headers. Filters are immutable
// and shared by every worker (built per config snapshot); per-request state
// lives in the HandshakeContext, which belongs to one session on one thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/http/headers.h"
#include "wsedge/http/request_parser.h"
#include "wsedge/policy/ip_address.h"
#include "wsedge/policy/ip_limiter.h"
#include "wsedge/policy/jwt.h"
#include "wsedge/policy/jwt_request.h"
#include "wsedge/policy/origin.h"
#include "wsedge/policy/reject.h"

namespace wsedge::policy {

/// One handshake going through the chain. The session owns it.
struct HandshakeContext {
  HandshakeContext(http::Request& req, const IpAddress& clientAddress)
      : request(req), client(clientAddress) {}

  http::Request& request;  // filters may rewrite it (what goes upstream)
  IpAddress client;        // the real client (after PROXY protocol)
  std::chrono::system_clock::time_point wallNow = std::chrono::system_clock::now();

  // Filled by filters for the rest of the session:
  IpLease lease;  // per-IP / global slots; keep for the connection's life
  std::optional<nlohmann::json>
      claims;  // verified JWT claims (for jwt:sub hashing, logs must not dump them)
  std::optional<std::int64_t> tokenExp;  // set when close_on_expiry and the token has exp
  bool answerBearerSubprotocol = false;  // call completeBearerSubprotocol() on the 101
};

struct FilterResult {
  bool rejected = false;
  RejectReason reason = RejectReason::BadRequest;
  std::vector<http::Header> headers;  // extra response headers (Retry-After, WWW-Authenticate...)
  std::string detail;                 // log-safe detail, e.g. "expired"; never a token

  int status() const { return httpStatus(reason); }
  static FilterResult next() { return {}; }
  static FilterResult reject(RejectReason r, std::vector<http::Header> h = {},
                             std::string detail = {}) {
    return {true, r, std::move(h), std::move(detail)};
  }
};

/// One step of the chain. onRequest is const and thread-safe.
class HandshakeFilter {
 public:
  virtual ~HandshakeFilter() = default;
  virtual std::string_view name() const = 0;
  virtual FilterResult onRequest(HandshakeContext& ctx) const = 0;
};

/// Runs filters in order; the first rejection wins and the rest do not run.
class FilterChain {
 public:
  void add(std::shared_ptr<const HandshakeFilter> f) { filters_.push_back(std::move(f)); }
  FilterResult run(HandshakeContext& ctx) const;
  std::size_t size() const { return filters_.size(); }

 private:
  std::vector<std::shared_ptr<const HandshakeFilter>> filters_;
};

/// Step 3: per-IP handshake rate and connections (429), global cap (503).
/// Admitted connections hold ctx.lease. The limiter is process-wide and must
/// outlive every lease.
class IpLimitFilter final : public HandshakeFilter {
 public:
  explicit IpLimitFilter(IpLimiter& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "ip_limit"; }
  FilterResult onRequest(HandshakeContext& ctx) const override;

 private:
  IpLimiter& limiter_;
};

/// Step 4: RFC 6455 §4.2.1 validity (http::validateUpgrade). A plain request
/// or a version other than 13: 426 (with `Sec-WebSocket-Version: 13` for the
/// latter); other faults: 400. `detail` carries the check's reason.
class UpgradeFilter final : public HandshakeFilter {
 public:
  std::string_view name() const override { return "upgrade"; }
  FilterResult onRequest(HandshakeContext& ctx) const override;
};

/// Step 5: the route's Origin policy (403). Several Origin headers: 403.
class OriginFilter final : public HandshakeFilter {
 public:
  explicit OriginFilter(OriginPolicy policy) : policy_(std::move(policy)) {}
  std::string_view name() const override { return "origin"; }
  FilterResult onRequest(HandshakeContext& ctx) const override;

 private:
  OriginPolicy policy_;
};

/// Step 6: JWT auth (401). Missing token: `WWW-Authenticate: Bearer`; a bad
/// one: `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
/// On success rewrites the request (token stripped, claim headers) and fills
/// ctx.claims, ctx.tokenExp and ctx.answerBearerSubprotocol.
class JwtAuthFilter final : public HandshakeFilter {
 public:
  explicit JwtAuthFilter(std::shared_ptr<const JwtVerifier> verifier)
      : verifier_(std::move(verifier)) {}
  std::string_view name() const override { return "jwt_auth"; }
  FilterResult onRequest(HandshakeContext& ctx) const override;

 private:
  std::shared_ptr<const JwtVerifier> verifier_;
};

}  // namespace wsedge::policy
