#pragma once
// From the configuration to the policy objects a Runtime holds: per-route
// filter chains (per-IP limits, WebSocket validity, Origin, JWT auth) and the
// limiter settings. The config module keeps origins and [auth.*] tables as
// written; here they are parsed and loaded (key files read), and every problem
// becomes a ConfigError at the place of the key it concerns, so start, reload
// and --check-config report them all as FILE:LINE:COL: message.
#include <vector>

#include "wsedge/config/config.h"
#include "wsedge/config/loader.h"
#include "wsedge/policy/ip_limiter.h"
#include "wsedge/proxy/runtime.h"

namespace wsedge::server {

struct PolicyBuild {
  std::vector<proxy::RoutePolicy> routes;  // by route index; empty when errors
  std::vector<config::ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

/// Builds every route's chain. `limiter` may be null (check only): the chains
/// then have no per-IP filter. Main thread.
PolicyBuild buildPolicies(const config::Config& cfg, policy::IpLimiter* limiter);

/// The process-wide limiter's settings from [limits] and global.max_connections.
policy::IpLimiterConfig ipLimiterConfig(const config::Config& cfg);

}  // namespace wsedge::server
