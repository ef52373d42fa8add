#include "wsedge/worker/worker.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cstring>

#include "wsedge/core/log.h"
#include "wsedge/net/listen_socket.h"

namespace wsedge::worker {

event_base* newEventBase() {
  // One thread per base, cross-thread wake-ups through the Mailbox's eventfd:
  // no locks inside libevent. The changelist folds the enable/disable pairs of
  // one loop iteration into at most one epoll_ctl per fd.
  event_config* cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
  event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  return base;
}

Worker::Worker(unsigned id, proxy::RuntimePtr runtime, proxy::AccessLog& accessLog,
               std::function<void()> onExit)
    : id_(id), runtime_(std::move(runtime)), accessLog_(accessLog), onExit_(std::move(onExit)) {
  std::random_device rd;
  rng_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ (static_cast<std::uint64_t>(id) << 17) ^ 1;
  base_.reset(newEventBase());
  mailbox_ = std::make_unique<Mailbox>(base_.get());
  reapEvent_.reset(event_new(base_.get(), -1, 0, &Worker::onReap, this));
  drainDeadline_.reset(evtimer_new(base_.get(), &Worker::onDrainDeadline, this));
}

Worker::~Worker() {
  join();
  // Sessions, listeners and the mailbox go before the base they live on.
  sessions_.clear();
  listeners_.clear();
  mailbox_.reset();
}

bool Worker::init(std::string& error) {
  for (const auto& lc : runtime_->config->listeners) {
    auto addr = net::resolve(lc.address);
    if (!addr) {
      error = "listener " + lc.name + ": cannot use address " + lc.address.text;
      return false;
    }
    std::string why;
    int fd = net::openListenSocket(*addr, why);
    if (fd < 0) {
      error = "listener " + lc.name + " on " + lc.address.text + ": " + why;
      return false;
    }
    auto l = std::make_unique<Listening>();
    l->worker = this;
    l->info.name = lc.name;
    l->info.index = listeners_.size();
    l->info.tls = lc.tls.has_value();
    l->info.proxyProtocol = lc.proxyProtocol;
    // LEV_OPT_CLOSE_ON_FREE: the evconnlistener owns fd from here on.
    l->listener.reset(evconnlistener_new(base_.get(), &Worker::onAccept, l.get(),
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd));
    if (!l->listener) {
      ::close(fd);
      error = "listener " + lc.name + ": evconnlistener_new failed";
      return false;
    }
    evconnlistener_set_error_cb(l->listener.get(), &Worker::onAcceptError);
    l->retry.reset(evtimer_new(
        base_.get(),
        [](evutil_socket_t, short, void* ctx) {
          evconnlistener_enable(static_cast<Listening*>(ctx)->listener.get());
        },
        l.get()));
    listeners_.push_back(std::move(l));
  }
  return true;
}

void Worker::start() {
  thread_ = std::thread([this] {
    event_base_dispatch(base_.get());
    // Whatever is left after the loop (a forced stop) is closed here, on the
    // worker's own thread.
    for (auto& [s, owned] : sessions_) {
      if (!s->finished()) s->drain();
    }
    sessions_.clear();
    listeners_.clear();
    if (onExit_) onExit_();
  });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::post(std::function<void()> fn) {
  mailbox_->post(std::move(fn));
}

void Worker::setRuntime(proxy::RuntimePtr rt) {
  post([this, rt = std::move(rt)]() mutable { runtime_ = std::move(rt); });
}

void Worker::drain(std::chrono::milliseconds budget) {
  post([this, budget] {
    if (draining_) return;
    draining_ = true;
    // Close the listening sockets (no new connections here) but keep each
    // Listening: its ListenerInfo is referenced by the sessions still open.
    for (auto& l : listeners_) {
      l->retry.reset();
      l->listener.reset();
    }
    for (auto& [s, owned] : sessions_) s->drain();
    timeval tv{static_cast<time_t>(budget.count() / 1000),
               static_cast<suseconds_t>((budget.count() % 1000) * 1000)};
    evtimer_add(drainDeadline_.get(), &tv);
    maybeExitAfterDrain();
  });
}

void Worker::onAccept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int len, void* ctx) {
  auto* l = static_cast<Listening*>(ctx);
  Worker* w = l->worker;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Unique together with the worker id, which every log line carries too.
  std::uint64_t id = w->nextSessionId_++;
  auto session = std::make_unique<proxy::Session>(*w, l->info, id, fd, sa, len);
  proxy::Session* raw = session.get();
  w->sessions_.emplace(raw, std::move(session));
  raw->start();
}

void Worker::onAcceptError(evconnlistener* listener, void* ctx) {
  auto* l = static_cast<Listening*>(ctx);
  int err = EVUTIL_SOCKET_ERROR();
  core::log::error("accept failed", {{"worker", l->worker->id_},
                                     {"listener", l->info.name},
                                     {"error", evutil_socket_error_to_string(err)}});
  // Out of descriptors: pause this listener briefly instead of spinning.
  evconnlistener_disable(listener);
  timeval tv{0, 100 * 1000};
  evtimer_add(l->retry.get(), &tv);
}

void Worker::retire(proxy::Session* s) {
  retired_.push_back(s);
  event_active(reapEvent_.get(), EV_READ, 0);
}

void Worker::onReap(evutil_socket_t, short, void* ctx) { static_cast<Worker*>(ctx)->reap(); }

void Worker::reap() {
  std::vector<proxy::Session*> dead;
  dead.swap(retired_);
  for (auto* s : dead) sessions_.erase(s);
  maybeExitAfterDrain();
}

void Worker::maybeExitAfterDrain() {
  if (draining_ && sessions_.empty()) event_base_loopexit(base_.get(), nullptr);
}

void Worker::onDrainDeadline(evutil_socket_t, short, void* ctx) {
  auto* w = static_cast<Worker*>(ctx);
  core::log::warn("drain budget spent, closing what is left",
                  {{"worker", w->id_}, {"sessions", w->sessions_.size()}});
  event_base_loopexit(w->base_.get(), nullptr);
}

void Worker::maskKey(std::uint8_t out[4]) {
  // xorshift64*: masking keys need to be unpredictable to the peer's
  // intermediaries, not cryptographic.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  std::uint64_t v = rng_ * 0x2545F4914F6CDD1DULL;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i + 16));
}

}  // namespace wsedge::worker
