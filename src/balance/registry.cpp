#include <algorithm>

#include "wsedge/balance/balancer.h"

namespace wsedge::balance {

std::shared_ptr<Server> PoolRuntime::findServer(std::string_view serverName) const {
  for (const auto& s : servers)
    if (s->name() == serverName) return s;
  return nullptr;
}

namespace {

std::unique_ptr<Balancer> makeBalancer(config::BalanceKind kind,
                                       std::vector<std::shared_ptr<Server>> servers) {
  switch (kind) {
    case config::BalanceKind::LeastConn:
      return makeLeastConn(std::move(servers));
    case config::BalanceKind::Hash:
      // TODO(balance): consistent hash with bounded load; the loader does not
      // accept "hash" yet, so round robin stands in.
    case config::BalanceKind::RoundRobin:
      break;
  }
  return makeRoundRobin(std::move(servers));
}

}  // namespace

std::vector<std::shared_ptr<PoolRuntime>> Registry::build(const config::Config& cfg) {
  std::vector<std::shared_ptr<Server>> kept;
  std::vector<std::shared_ptr<PoolRuntime>> pools;
  pools.reserve(cfg.pools.size());
  for (const auto& pc : cfg.pools) {
    auto pool = std::make_shared<PoolRuntime>();
    pool->name = pc.name;
    pool->balance = pc.balance;
    pool->servers.reserve(pc.servers.size());
    for (const auto& sc : pc.servers) {
      auto it = std::find_if(known_.begin(), known_.end(), [&](const auto& s) {
        return s->pool() == pc.name && s->name() == sc.name;
      });
      std::shared_ptr<Server> server;
      if (it != known_.end()) {
        // Same (pool, name): keep counts and health, take the new address/weight.
        server = *it;
        server->setConf(sc);
      } else {
        server = std::make_shared<Server>(pc.name, sc);
      }
      pool->servers.push_back(server);
      kept.push_back(std::move(server));
    }
    pool->balancer = makeBalancer(pc.balance, pool->servers);
    pools.push_back(std::move(pool));
  }
  // Servers gone from the config are forgotten here; sessions still holding
  // them keep them alive through their shared_ptr.
  known_ = std::move(kept);
  return pools;
}

}  // namespace wsedge::balance
