#pragma once
// What a worker needs to serve new connections: the immutable config snapshot,
// the pools built for it, and the resolved backend addresses. Built by the main
// thread at start and on reload, shared read-only by every worker; a session
// keeps the Runtime it started with.
#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include "wsedge/balance/balancer.h"
#include "wsedge/config/config.h"
#include "wsedge/net/address.h"

namespace wsedge::proxy {

/// Process-wide counters shared by all workers (relaxed atomics).
struct SharedCounters {
  std::atomic<std::uint64_t> connectionsActive{0};
};

struct Runtime {
  config::ConfigPtr config;
  std::vector<std::shared_ptr<balance::PoolRuntime>> pools;  // same order as config->pools
  std::unordered_map<const balance::Server*, net::SockAddr> addresses;
  SharedCounters* counters = nullptr;  // owned by the Server, outlives every Runtime

  const net::SockAddr* addressOf(const balance::Server* s) const {
    auto it = addresses.find(s);
    return it == addresses.end() ? nullptr : &it->second;
  }
};

using RuntimePtr = std::shared_ptr<const Runtime>;

}  // namespace wsedge::proxy
