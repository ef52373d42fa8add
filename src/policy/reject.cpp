#include "wsedge/policy/reject.h"

namespace wsedge::policy {

std::string_view name(RejectReason r) {
  switch (r) {
    case RejectReason::NoRoute:
      return "no_route";
    case RejectReason::BadRequest:
      return "bad_request";
    case RejectReason::UpgradeRequired:
      return "upgrade_required";
    case RejectReason::HeadTooLarge:
      return "head_too_large";
    case RejectReason::UriTooLong:
      return "uri_too_long";
    case RejectReason::Timeout:
      return "timeout";
    case RejectReason::RateLimited:
      return "rate_limited";
    case RejectReason::TooManyConnections:
      return "too_many_connections";
    case RejectReason::Overloaded:
      return "overloaded";
    case RejectReason::Origin:
      return "origin";
    case RejectReason::Auth:
      return "auth";
    case RejectReason::NoServer:
      return "no_server";
    case RejectReason::UpstreamError:
      return "upstream_error";
    case RejectReason::UpstreamTimeout:
      return "upstream_timeout";
    case RejectReason::Draining:
      return "draining";
  }
  return "unknown";
}

int httpStatus(RejectReason r) {
  switch (r) {
    case RejectReason::NoRoute:
      return 404;
    case RejectReason::BadRequest:
      return 400;
    case RejectReason::UpgradeRequired:
      return 426;
    case RejectReason::HeadTooLarge:
      return 431;
    case RejectReason::UriTooLong:
      return 414;
    case RejectReason::Timeout:
      return 408;
    case RejectReason::RateLimited:
      return 429;
    case RejectReason::TooManyConnections:
      return 429;
    case RejectReason::Overloaded:
      return 503;
    case RejectReason::Origin:
      return 403;
    case RejectReason::Auth:
      return 401;
    case RejectReason::NoServer:
      return 503;
    case RejectReason::UpstreamError:
      return 502;
    case RejectReason::UpstreamTimeout:
      return 504;
    case RejectReason::Draining:
      return 503;
  }
  return 500;
}

}  // namespace wsedge::policy
