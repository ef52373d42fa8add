#include "wsedge/config/config.h"

#include "wsedge/config/loader.h"

namespace wsedge::config {

const Pool* Config::findPool(std::string_view name) const {
  for (const auto& p : pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Place Auth::placeOf(std::string_view key) const {
  for (const auto& [k, p] : keyPlaces) {
    if (k == key) return p;
  }
  return place;
}

std::string_view balanceName(BalanceKind k) {
  switch (k) {
    case BalanceKind::RoundRobin:
      return "round_robin";
    case BalanceKind::LeastConn:
      return "least_conn";
    case BalanceKind::Hash:
      return "hash";
  }
  return "unknown";
}

std::string ConfigError::format() const {
  // Without a place in the file the message still leads with the file name,
  // so editors and grep see the same shape.
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace wsedge::config
