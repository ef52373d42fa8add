#pragma once
// Runtime state of one backend server, shared by every worker. It outlives
// config snapshots (kept by name in the Registry) so that connection counts and
// health survive a reload. All members are atomics: any thread may read them;
// workers update counts, the main thread and health checker update state.
#include <atomic>
#include <cstdint>
#include <string>

#include "wsedge/config/config.h"

namespace wsedge::balance {

enum class ServerState : std::uint8_t { Up, Down, Draining, Disabled };
std::string_view serverStateName(ServerState s);

class Server {
 public:
  Server(std::string pool, const config::Server& conf);

  const std::string& pool() const { return pool_; }
  const std::string& name() const { return name_; }
  /// Address and weight of the latest config. Main thread only: setConf()
  /// rewrites it on reload, so workers never read it (balancers copy weights
  /// when built, resolved addresses live in the proxy Runtime).
  const config::Server& conf() const { return conf_; }
  void setConf(const config::Server& c) { conf_ = c; }
  unsigned weight() const { return conf_.weight; }

  ServerState state() const { return state_.load(std::memory_order_acquire); }
  void setState(ServerState s) { state_.store(s, std::memory_order_release); }
  /// Up and eligible for new connections.
  bool available() const { return state() == ServerState::Up; }

  int active() const { return active_.load(std::memory_order_relaxed); }
  void connectionOpened() { active_.fetch_add(1, std::memory_order_relaxed); }
  void connectionClosed() { active_.fetch_sub(1, std::memory_order_relaxed); }

  /// Passive health: connect failures in a row. Returns the new count.
  int recordFailure() { return failures_.fetch_add(1, std::memory_order_relaxed) + 1; }
  void recordSuccess() { failures_.store(0, std::memory_order_relaxed); }

 private:
  std::string pool_;
  std::string name_;
  config::Server conf_;
  std::atomic<ServerState> state_{ServerState::Up};
  std::atomic<int> active_{0};
  std::atomic<int> failures_{0};
};

}  // namespace wsedge::balance
