#include "wsedge/server/server.h"

#include <event2/event.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include "wsedge/config/loader.h"
#include "wsedge/core/log.h"
#include "wsedge/policy/ip_limiter.h"
#include "wsedge/server/policy_build.h"
#include "wsedge/tls/client_context.h"
#include "wsedge/tls/server_context.h"
#include "wsedge/worker/mailbox.h"
#include "wsedge/worker/worker.h"

namespace wsedge::server {

namespace {
// Until timeouts.drain ships, the drain budget is fixed.
constexpr std::chrono::milliseconds kDrainBudget{30000};

void raiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

bool sameListeners(const config::Config& a, const config::Config& b) {
  if (a.listeners.size() != b.listeners.size()) return false;
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    if (a.listeners[i].name != b.listeners[i].name ||
        a.listeners[i].address.text != b.listeners[i].address.text) {
      return false;
    }
  }
  return a.global.workers == b.global.workers;
}
}  // namespace

Server::Server(std::string configPath) : configPath_(std::move(configPath)) {}

Server::~Server() {
  for (auto& w : workers_) w->join();
  workers_.clear();
  signals_.clear();
  mailbox_.reset();
}

proxy::RuntimePtr Server::buildRuntime(const config::ConfigPtr& cfg, std::string& error) {
  auto rt = std::make_shared<proxy::Runtime>();
  rt->config = cfg;
  rt->counters = &counters_;
  rt->pools = registry_.build(*cfg);
  for (const auto& pool : rt->pools) {
    for (const auto& s : pool->servers) {
      auto addr = net::resolve(s->conf().address);
      if (!addr) {
        error = "pool " + pool->name + ", server " + s->name() + ": cannot resolve " +
                s->conf().address.text;
        return nullptr;
      }
      rt->addresses.emplace(s.get(), *addr);
      if (s->conf().tls) {
        auto ctx = tls::ClientContext::create(pool->name, s->conf(), error);
        if (!ctx) {
          error = "pool " + pool->name + ", server " + s->name() + ": " + error;
          return nullptr;
        }
        rt->upstreamTls.emplace(s.get(), std::move(ctx));
      }
    }
  }
  // Certificates are read again at every build, so a reload picks up renewed
  // files; the ticket keys carry over so resumption survives it.
  rt->ticketKeys = runtime_ ? runtime_->ticketKeys : std::make_shared<tls::TicketKeys>();
  std::size_t bound = runtime_ ? runtime_->listenerTls.size() : 0;
  for (std::size_t i = 0; i < std::max(bound, cfg->listeners.size()); ++i) {
    bool wasTls = runtime_ != nullptr && runtime_->serverTls(i) != nullptr;
    bool isTls = i < cfg->listeners.size() && cfg->listeners[i].tls.has_value();
    if (runtime_ && wasTls != isTls) {
      // Workers bound their sockets at start; TLS-ness is part of that.
      error = "listener " + std::to_string(i + 1) + ": adding or removing [listeners.tls] needs a restart";
      return nullptr;
    }
    if (i >= cfg->listeners.size()) break;
    const auto& l = cfg->listeners[i];
    std::shared_ptr<const tls::ServerContext> ctx;
    if (l.tls) {
      ctx = tls::ServerContext::create(*l.tls, rt->ticketKeys, error);
      if (!ctx) {
        error = "listener " + l.name + ": " + error;
        return nullptr;
      }
    }
    rt->listenerTls.push_back(std::move(ctx));
  }
  if (!buildPolicy(*cfg, *rt, error)) return nullptr;
  return rt;
}

bool Server::buildPolicy(const config::Config& cfg, proxy::Runtime& rt, std::string& error) {
  // The limiter lives as long as the Server: sessions of older runtimes keep
  // leases on it. Its limits follow the newest accepted config.
  bool fresh = ipLimiter_ == nullptr;
  if (fresh) {
    ipLimiter_ = std::make_unique<policy::IpLimiter>(core::SteadyClock::instance(),
                                                     ipLimiterConfig(cfg));
  }
  PolicyBuild built = buildPolicies(cfg, ipLimiter_.get());
  if (!built.ok()) {
    for (const auto& e : built.errors) core::log::error("config error", {{"error", e.format()}});
    error = std::to_string(built.errors.size()) + " policy error(s) in " + cfg.sourcePath;
    return false;
  }
  if (!fresh) ipLimiter_->reconfigure(ipLimiterConfig(cfg));
  rt.routePolicies = std::move(built.routes);
  rt.ipLimiter = ipLimiter_.get();
  return true;
}

int Server::run() {
  config::LoadResult loaded = config::loadFile(configPath_);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) core::log::error("config error", {{"error", e.format()}});
    return 1;
  }
  config_ = loaded.config;
  core::log::configure(config_->global.logLevel, config_->global.logFormat);
  std::string error;
  if (!accessLog_.open(config_->global.accessLog, error)) {
    core::log::error("cannot open access log", {{"error", error}});
    return 1;
  }
  runtime_ = buildRuntime(config_, error);
  if (!runtime_) {
    core::log::error("config error", {{"error", error}});
    return 1;
  }
  raiseFileLimit();
  ::signal(SIGPIPE, SIG_IGN);
  base_.reset(worker::newEventBase());
  mailbox_ = std::make_unique<worker::Mailbox>(base_.get());

  for (unsigned i = 0; i < config_->global.workers; ++i) {
    auto w = std::make_unique<worker::Worker>(i, runtime_, accessLog_, [this] {
      mailbox_->post([this] { workerExited(); });
    });
    if (!w->init(error)) {
      core::log::error("cannot start", {{"error", error}});
      return 1;
    }
    workers_.push_back(std::move(w));
  }
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
    core::EventPtr ev(evsignal_new(base_.get(), sig, &Server::onSignal, this));
    event_add(ev.get(), nullptr);
    signals_.push_back(std::move(ev));
  }
  for (auto& w : workers_) w->start();
  std::string listeners;
  for (const auto& l : config_->listeners) {
    listeners += (listeners.empty() ? "" : ",") + l.name + "=" + l.address.text;
  }
  core::log::info("wsedge started", {{"version", WSEDGE_VERSION},
                                     {"config", configPath_},
                                     {"workers", config_->global.workers},
                                     {"listeners", listeners},
                                     {"pid", static_cast<std::int64_t>(::getpid())}});
  event_base_dispatch(base_.get());
  for (auto& w : workers_) w->join();
  core::log::info("wsedge stopped", {});
  return 0;
}

void Server::onSignal(evutil_socket_t sig, short, void* ctx) {
  auto* s = static_cast<Server*>(ctx);
  switch (sig) {
    case SIGTERM:
    case SIGINT:
      if (s->draining_) {
        core::log::warn("second signal: exiting now", {});
        std::_Exit(0);
      }
      s->beginDrain();
      break;
    case SIGHUP: s->reload(); break;
    case SIGUSR1: {
      std::string error;
      if (!s->accessLog_.reopen(error)) core::log::error("cannot reopen access log", {{"error", error}});
      break;
    }
    default: break;
  }
}

void Server::beginDrain() {
  draining_ = true;
  core::log::info("draining", {{"budget_ms", static_cast<std::int64_t>(kDrainBudget.count())}});
  for (auto& w : workers_) w->drain(kDrainBudget);
}

void Server::workerExited() {
  if (++workersExited_ >= workers_.size()) event_base_loopexit(base_.get(), nullptr);
}

void Server::reload() {
  config::LoadResult loaded = config::loadFile(configPath_);
  if (!loaded.ok()) {
    reloadsFailed_++;
    for (const auto& e : loaded.errors) {
      core::log::error("reload: config error, keeping the running config", {{"error", e.format()}});
    }
    return;
  }
  std::string error;
  auto rt = buildRuntime(loaded.config, error);
  if (!rt) {
    reloadsFailed_++;
    core::log::error("reload: keeping the running config", {{"error", error}});
    return;
  }
  if (!sameListeners(*config_, *loaded.config)) {
    core::log::warn("reload: listener and worker changes take effect on restart", {});
  }
  config_ = loaded.config;
  runtime_ = rt;
  core::log::configure(config_->global.logLevel, config_->global.logFormat);
  for (auto& w : workers_) w->setRuntime(rt);
  reloadsOk_++;
  core::log::info("config reloaded", {{"config", configPath_}});
}

}  // namespace wsedge::server
