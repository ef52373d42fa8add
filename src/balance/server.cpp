#include "wsedge/balance/server.h"

#include <utility>

namespace wsedge::balance {

std::string_view serverStateName(ServerState s) {
  switch (s) {
    case ServerState::Up: return "up";
    case ServerState::Down: return "down";
    case ServerState::Draining: return "draining";
    case ServerState::Disabled: return "disabled";
  }
  return "unknown";
}

Server::Server(std::string pool, const config::Server& conf)
    : pool_(std::move(pool)), name_(conf.name), conf_(conf) {}

}  // namespace wsedge::balance
