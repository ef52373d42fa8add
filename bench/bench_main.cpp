// wsedge-bench: WebSocket load generator (closed loop, open loop, idle hold,
// connection rate). Prints a table and one 'SUMMARY key=value ...' line.
#include <event2/thread.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <time.h>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "bench_report.h"
#include "bench_worker.h"
#include "fd_limit.h"

namespace wsedge::bench {
namespace {

bool resolve(const Options& o, sockaddr_in& out) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res) != 0 || !res) return false;
  std::memcpy(&out, res->ai_addr, sizeof out);
  freeaddrinfo(res);
  return true;
}

int ephemeralPorts() {
  std::ifstream f("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768, hi = 60999;
  f >> lo >> hi;
  return hi - lo + 1;
}

// How many loopback source addresses to spread over: only when the target is
// on loopback and one address's ephemeral ports would run short.
int pickSourceIps(const Options& o, const sockaddr_in& target) {
  const bool loopback = (ntohl(target.sin_addr.s_addr) >> 24) == 127;
  if (!loopback) return 0;
  if (o.sourceIps >= 0) return o.sourceIps;
  const int ports = ephemeralPorts();
  if (o.mode == Mode::Connect) return 16;  // TIME_WAIT piles up at handshake rates
  if (o.connections > ports * 3 / 4) return o.connections / (ports / 2) + 1;
  return 0;
}

// Waits up to `seconds` for SIGINT/SIGTERM (blocked in every thread); true if one came.
bool waitSignal(const sigset_t& set, double seconds) {
  const auto whole = static_cast<time_t>(seconds);
  timespec ts{whole, static_cast<long>((seconds - static_cast<double>(whole)) * 1e9)};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace
}  // namespace wsedge::bench

int main(int argc, char** argv) {
  using namespace wsedge::bench;
  auto shared = std::make_unique<Shared>();
  Options& o = shared->opt;
  std::string error;
  if (!parseOptions(argc, argv, o, error)) {
    std::fprintf(stderr, "wsedge-bench: %s\n", error.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  evthread_use_pthreads();

  // Fit to the fd limit: each connection is one fd, plus a few per thread.
  const std::uint64_t fdLimit = raiseFdLimit();
  const auto perThreadFds = 8u;
  const std::uint64_t reserve = 64 + perThreadFds * static_cast<unsigned>(o.threads);
  const std::uint64_t fits = fdLimit > reserve ? fdLimit - reserve : 1;
  int& wanted = o.mode == Mode::Connect ? o.concurrency : o.connections;
  const std::uint64_t total = o.mode == Mode::Connect ? std::uint64_t(o.concurrency) * unsigned(o.threads)
                                                      : std::uint64_t(o.connections);
  if (total > fits) {
    const auto fitted = o.mode == Mode::Connect ? fits / unsigned(o.threads) : fits;
    std::fprintf(stderr, "wsedge-bench: fd limit %llu: %s lowered from %d to %llu\n",
                 static_cast<unsigned long long>(fdLimit), o.mode == Mode::Connect ? "--concurrency" : "--connections",
                 wanted, static_cast<unsigned long long>(fitted));
    wanted = static_cast<int>(fitted);
  }
  if (o.mode != Mode::Connect && o.threads > o.connections) o.threads = o.connections;

  if (!resolve(o, shared->target)) {
    std::fprintf(stderr, "wsedge-bench: cannot resolve %s\n", o.host.c_str());
    return 2;
  }
  shared->sourceIps = pickSourceIps(o, shared->target);
  shared->upgradeRequest = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                           "User-Agent: wsedge-bench\r\n";
  for (const auto& h : o.headers) shared->upgradeRequest += h + "\r\n";
  shared->upgradeRequest += "\r\n";
  SSL_CTX* tls = nullptr;
  if (o.tls) {
    tls = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, nullptr);  // loopback benchmark against a test certificate
    shared->tls = tls;
  }

  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::vector<std::unique_ptr<Worker>> workers;
  const int perWorker = o.mode == Mode::Connect ? o.concurrency : o.connections / o.threads;
  int first = 0;
  for (int i = 0; i < o.threads; ++i) {
    const int n = o.mode == Mode::Connect ? perWorker : perWorker + (i < o.connections % o.threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(*shared, i, n, first));
    first += n;
  }
  const std::uint64_t startNs = nowNs();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

  // Start-up: every connection open or failed, bounded in time.
  const double startLimit = o.handshakeTimeout + 30 + o.connections / 500.0;
  bool interrupted = false;
  while (shared->readyWorkers.load() < o.threads && !interrupted &&
         static_cast<double>(nowNs() - startNs) / 1e9 < startLimit) {
    interrupted = waitSignal(stopSignals, 0.01);
  }
  const double startSeconds = static_cast<double>(nowNs() - startNs) / 1e9;

  double cpuBefore = -1;
  double echoSeconds = -1;
  if (o.mode == Mode::Idle) {
    std::printf("IDLE_READY open=%ld failed=%ld seconds=%.2f\n", shared->opened.load(), shared->failed.load(),
                startSeconds);
    std::fflush(stdout);
    cpuBefore = o.cpuPid > 0 ? processCpuSeconds(o.cpuPid) : -1;
    shared->phase.store(kMeasure);  // marks the start of the hold time
    if (!interrupted) {
      if (o.duration > 0) interrupted = waitSignal(stopSignals, o.duration);
      else {
        int sig = 0;
        sigwait(&stopSignals, &sig);
        interrupted = true;
      }
    }
    if (o.echoCheck > 0 && !interrupted) {
      // One message on every open connection; done when every worker has sent
      // and every echo is back, or after --echo-check seconds.
      const std::uint64_t echoStart = nowNs();
      shared->phase.store(kEcho);
      while (!interrupted && static_cast<double>(nowNs() - echoStart) / 1e9 < o.echoCheck &&
             !(shared->echoWorkers.load() == o.threads && shared->echoed.load() >= shared->echoSent.load())) {
        interrupted = waitSignal(stopSignals, 0.001);
      }
      echoSeconds = static_cast<double>(nowNs() - echoStart) / 1e9;
      std::printf("ECHO_DONE sent=%ld echoed=%ld seconds=%.3f\n", shared->echoSent.load(), shared->echoed.load(),
                  echoSeconds);
      std::fflush(stdout);
    }
  } else if (!interrupted) {
    shared->phase.store(kWarmup);
    if (o.warmup > 0) interrupted = waitSignal(stopSignals, o.warmup);
    cpuBefore = o.cpuPid > 0 ? processCpuSeconds(o.cpuPid) : -1;
    shared->phase.store(kMeasure);
    if (!interrupted) waitSignal(stopSignals, o.duration);
  }
  shared->phase.store(kStop);
  const double cpuAfter = o.cpuPid > 0 ? processCpuSeconds(o.cpuPid) : -1;
  for (auto& t : threads) t.join();

  Stats total_;
  double seconds = 0;
  for (auto& w : workers) {
    total_.merge(w->stats());
    seconds = std::max(seconds, w->measuredSeconds());
  }
  const double cpu = cpuBefore >= 0 && cpuAfter >= 0 ? cpuAfter - cpuBefore : -1;
  Report r{o, total_, seconds, startSeconds, shared->sourceIps, fdLimit, cpu, echoSeconds};
  printReport(r);
  workers.clear();
  if (tls) SSL_CTX_free(tls);
  return 0;
}
