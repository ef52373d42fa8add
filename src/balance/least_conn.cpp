// Least connections relative to weight: the server with the smallest
// active/weight wins, compared by cross-multiplication (no division, exact).
// Ties are broken by a rotating start position so equal servers share load.
#include <atomic>
#include <cstdint>

#include "wsedge/balance/balancer.h"

namespace wsedge::balance {

namespace {

class LeastConn final : public Balancer {
 public:
  explicit LeastConn(std::vector<std::shared_ptr<Server>> servers) : servers_(std::move(servers)) {
    // Copied at build time: pick() must not read Server::conf(), which the
    // main thread rewrites on reload. Weight 0 (rejected by the loader) counts as 1.
    weights_.reserve(servers_.size());
    for (const auto& s : servers_) weights_.push_back(s->weight() == 0 ? 1 : s->weight());
  }

  std::shared_ptr<Server> pick(const PickRequest& req) override {
    const std::size_t n = servers_.size();
    if (n == 0) return nullptr;
    // Lock-free: counts are atomics and may move while we look; a pick that is
    // off by one connection is harmless.
    const std::size_t start = cursor_.fetch_add(1, std::memory_order_relaxed) % n;
    std::size_t best = n;
    std::int64_t bestActive = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      const Server* s = servers_[i].get();
      if (!s->available() || s == req.exclude) continue;
      const std::int64_t active = s->active();
      // active_i / w_i < active_best / w_best, strictly: the first of equals
      // (from the rotating start) keeps the win.
      if (best == n || active * weights_[best] < bestActive * weights_[i]) {
        best = i;
        bestActive = active;
      }
    }
    if (best == n) return nullptr;
    return servers_[best];
  }

 private:
  const std::vector<std::shared_ptr<Server>> servers_;
  std::vector<std::int64_t> weights_;
  std::atomic<std::size_t> cursor_{0};
};

}  // namespace

std::unique_ptr<Balancer> makeLeastConn(std::vector<std::shared_ptr<Server>> servers) {
  return std::make_unique<LeastConn>(std::move(servers));
}

}  // namespace wsedge::balance
