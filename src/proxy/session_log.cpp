// The access-log hook: runs once for every session, error or not.
#include <chrono>

#include "wsedge/core/log.h"
#include "wsedge/proxy/session.h"

namespace wsedge::proxy {

void Session::writeAccessLog() {
  AccessLog& log = host_.accessLog();
  if (!log.enabled()) return;
  using namespace std::chrono;
  auto durationMs =
      duration_cast<microseconds>(steady_clock::now() - started_).count() / 1000.0;
  std::string client = net::endpointString(peer_.get());
  std::string closedBy;
  switch (reason_) {
    case CloseReason::NormalClose: closedBy = closedByClient_ ? "client" : "server"; break;
    case CloseReason::ClientGone:
    case CloseReason::ClientGoneEarly: closedBy = "client"; break;
    case CloseReason::UpstreamGone:
    case CloseReason::UpstreamRejected: closedBy = "server"; break;
    default: closedBy = "proxy:" + std::string(reasonName(reason_)); break;
  }
  std::string_view route;
  if (routeIndex_ >= 0) route = runtime_->config->routes[static_cast<std::size_t>(routeIndex_)].pathPrefix;
  int rejectStatus = reasonStatus(reason_);
  std::string_view rejectReason = rejectStatus != 0 ? reasonName(reason_) : std::string_view();

  core::LineBuilder b(core::log::format());
  std::string ts;
  core::appendTimestamp(ts);
  b.add({{"time", std::string_view(ts)},
         {"msg", "access"},
         {"worker", host_.workerId()},
         {"session", id_},
         {"client", std::string_view(client)},
         {"listener", std::string_view(listener_.name)},
         {"host", std::string_view(hostHeader_)},
         {"path", std::string_view(path_)},
         {"route", route},
         {"pool", pool_ ? std::string_view(pool_->name) : std::string_view()},
         {"server", server_ ? std::string_view(server_->name()) : std::string_view()},
         {"status", status_},
         {"reject_reason", rejectReason},
         {"duration_ms", durationMs},
         {"bytes_upstream", c2s_ ? c2s_->bytes : 0},
         {"bytes_downstream", s2c_ ? s2c_->bytes : 0},
         {"messages_upstream", c2s_ ? c2s_->messages : 0},
         {"messages_downstream", s2c_ ? s2c_->messages : 0},
         {"close_code", closeCode_},
         {"closed_by", std::string_view(closedBy)}});
  log.write(b.finish());
}

}  // namespace wsedge::proxy
