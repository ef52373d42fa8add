#pragma once
// The main thread: loads the config, starts the workers, handles signals
// (SIGTERM/SIGINT drain, SIGHUP reload, SIGUSR1 reopen logs) and swaps config
// snapshots on reload.
#include <event2/util.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "wsedge/balance/balancer.h"
#include "wsedge/core/handles.h"
#include "wsedge/proxy/access_log.h"
#include "wsedge/proxy/runtime.h"

namespace wsedge::policy {
class IpLimiter;
}

namespace wsedge::worker {
class Worker;
class Mailbox;
}

namespace wsedge::server {

class Server {
 public:
  explicit Server(std::string configPath);
  ~Server();
  /// Runs until drained after SIGTERM/SIGINT. Returns the process exit code.
  int run();

 private:
  static void onSignal(evutil_socket_t sig, short, void* ctx);
  void workerExited();
  void beginDrain();
  void reload();
  /// Builds the runtime for `cfg`; empty with `error` set when a backend
  /// address cannot be resolved.
  proxy::RuntimePtr buildRuntime(const config::ConfigPtr& cfg, std::string& error);
  /// Policy part of buildRuntime: logs every error at its place in the file.
  bool buildPolicy(const config::Config& cfg, proxy::Runtime& rt, std::string& error);

  std::string configPath_;
  config::ConfigPtr config_;
  proxy::RuntimePtr runtime_;
  balance::Registry registry_;
  proxy::SharedCounters counters_;
  // Per-IP and global admission state, kept across reloads (reconfigured).
  std::unique_ptr<policy::IpLimiter> ipLimiter_;
  proxy::AccessLog accessLog_;
  core::EventBasePtr base_;
  std::vector<core::EventPtr> signals_;
  std::unique_ptr<worker::Mailbox> mailbox_;
  std::vector<std::unique_ptr<worker::Worker>> workers_;
  unsigned workersExited_ = 0;
  bool draining_ = false;
  std::uint64_t reloadsOk_ = 0;
  std::uint64_t reloadsFailed_ = 0;
};

}  // namespace wsedge::server
