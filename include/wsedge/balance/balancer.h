#pragma once
// Balancers pick a server of a pool for a new connection. Implementations are
// thread-safe (workers call pick() concurrently); their state is process-wide.
#include <memory>
#include <string_view>
#include <vector>

#include "wsedge/balance/server.h"
#include "wsedge/config/config.h"

namespace wsedge::balance {

struct PickRequest {
  /// A server to skip (the one that just failed, for the retry). May be null.
  const Server* exclude = nullptr;
  /// Key for hash balancing; ignored by the others.
  std::string_view hashKey;
};

class Balancer {
 public:
  virtual ~Balancer() = default;
  /// An available server, or nullptr when none is. The pointer stays valid for
  /// as long as the caller holds the shared_ptr of the pool it came from.
  virtual std::shared_ptr<Server> pick(const PickRequest& req) = 0;
};

/// Smooth weighted round robin (nginx's algorithm): over sum(weights) picks each
/// server is chosen weight times, interleaved.
std::unique_ptr<Balancer> makeRoundRobin(std::vector<std::shared_ptr<Server>> servers);
/// Fewest active connections relative to weight; ties broken round robin.
std::unique_ptr<Balancer> makeLeastConn(std::vector<std::shared_ptr<Server>> servers);

/// One pool at runtime: its servers (shared with the Registry) and balancer.
struct PoolRuntime {
  std::string name;
  config::BalanceKind balance = config::BalanceKind::RoundRobin;
  std::vector<std::shared_ptr<Server>> servers;
  std::unique_ptr<Balancer> balancer;
  std::shared_ptr<Server> findServer(std::string_view name) const;
};

/// Keeps the runtime Server objects by (pool, server) name across reloads and
/// builds the PoolRuntime set for each config snapshot. Main thread only.
class Registry {
 public:
  /// Pools for `cfg`, in the order of cfg.pools. Servers present in an earlier
  /// build keep their runtime state (counts, health).
  std::vector<std::shared_ptr<PoolRuntime>> build(const config::Config& cfg);

 private:
  std::vector<std::shared_ptr<Server>> known_;
};

}  // namespace wsedge::balance
