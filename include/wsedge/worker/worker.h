#pragma once
// One worker: one thread, one event_base, its own SO_REUSEPORT listening
// sockets and the sessions they accept. A connection never leaves its worker.
// Other threads talk to a worker only through post().
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wsedge/core/handles.h"
#include "wsedge/proxy/access_log.h"
#include "wsedge/proxy/runtime.h"
#include "wsedge/proxy/session.h"
#include "wsedge/worker/mailbox.h"

namespace wsedge::worker {

/// A lock-free (single-threaded) event base for one thread.
event_base* newEventBase();

class Worker final : public proxy::SessionHost {
 public:
  Worker(unsigned id, proxy::RuntimePtr runtime, proxy::AccessLog& accessLog,
         std::function<void()> onExit);
  ~Worker() override;

  /// Binds this worker's listening sockets (main thread, before start()).
  bool init(std::string& error);
  /// Runs the loop on a new thread.
  void start();
  void join();

  /// Runs `fn` on the worker thread. Any thread.
  void post(std::function<void()> fn);
  /// New connections use `rt` from now on (sessions keep theirs). Any thread.
  void setRuntime(proxy::RuntimePtr rt);
  /// Stop accepting, close every session with 1001, exit the loop when none is
  /// left or when `budget` has passed. Any thread.
  void drain(std::chrono::milliseconds budget);

  std::size_t sessionCount() const { return sessions_.size(); }

  // SessionHost (worker thread).
  event_base* base() override { return base_.get(); }
  const proxy::RuntimePtr& runtime() const override { return runtime_; }
  proxy::AccessLog& accessLog() override { return accessLog_; }
  unsigned workerId() const override { return id_; }
  void retire(proxy::Session* s) override;
  void maskKey(std::uint8_t out[4]) override;

 private:
  struct Listening {
    Worker* worker = nullptr;
    proxy::ListenerInfo info;
    core::ListenerPtr listener;
    core::EventPtr retry;  // re-enables accepting after an accept error (EMFILE)
  };
  static void onAccept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int len, void* ctx);
  static void onAcceptError(evconnlistener* l, void* ctx);
  static void onReap(evutil_socket_t, short, void* ctx);
  static void onDrainDeadline(evutil_socket_t, short, void* ctx);
  void reap();
  void maybeExitAfterDrain();

  unsigned id_;
  proxy::RuntimePtr runtime_;
  proxy::AccessLog& accessLog_;
  std::function<void()> onExit_;
  core::EventBasePtr base_;
  std::unique_ptr<Mailbox> mailbox_;
  core::EventPtr reapEvent_;
  core::EventPtr drainDeadline_;
  std::vector<std::unique_ptr<Listening>> listeners_;
  std::unordered_map<proxy::Session*, std::unique_ptr<proxy::Session>> sessions_;
  std::vector<proxy::Session*> retired_;
  std::uint64_t nextSessionId_ = 1;
  std::uint64_t rng_;
  bool draining_ = false;

  std::thread thread_;
};

}  // namespace wsedge::worker
