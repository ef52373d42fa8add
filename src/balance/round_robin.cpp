// Smooth weighted round robin, as nginx does it: every pick adds each eligible
// server's weight to its running score, takes the highest score and lowers the
// winner by the total. Over sum(weights) picks each server wins weight times,
// spread out rather than in bursts.
#include <cstdint>
#include <mutex>

#include "wsedge/balance/balancer.h"

namespace wsedge::balance {

namespace {

/// Weights are copied when the balancer is built (one per config snapshot), so
/// pick() never reads Server::conf(), which the main thread rewrites on reload.
/// A weight of 0 counts as 1: the loader rejects it, this keeps the arithmetic sane.
std::vector<std::int64_t> snapshotWeights(const std::vector<std::shared_ptr<Server>>& servers) {
  std::vector<std::int64_t> w;
  w.reserve(servers.size());
  for (const auto& s : servers) w.push_back(s->weight() == 0 ? 1 : s->weight());
  return w;
}

class RoundRobin final : public Balancer {
 public:
  explicit RoundRobin(std::vector<std::shared_ptr<Server>> servers)
      : servers_(std::move(servers)),
        weights_(snapshotWeights(servers_)),
        current_(servers_.size(), 0) {}

  std::shared_ptr<Server> pick(const PickRequest& req) override {
    // Once per handshake, never on the data path: a plain mutex is cheap here.
    std::lock_guard lock(mu_);
    std::int64_t total = 0;
    std::size_t best = servers_.size();
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      const Server* s = servers_[i].get();
      if (!s->available() || s == req.exclude) continue;
      current_[i] += weights_[i];
      total += weights_[i];
      if (best == servers_.size() || current_[i] > current_[best]) best = i;
    }
    if (best == servers_.size()) return nullptr;
    current_[best] -= total;
    return servers_[best];
  }

 private:
  const std::vector<std::shared_ptr<Server>> servers_;
  const std::vector<std::int64_t> weights_;
  std::mutex mu_;
  std::vector<std::int64_t> current_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<Balancer> makeRoundRobin(std::vector<std::shared_ptr<Server>> servers) {
  return std::make_unique<RoundRobin>(std::move(servers));
}

}  // namespace wsedge::balance
