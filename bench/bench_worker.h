#pragma once
// One load-generator thread: its own event_base and its own connections.
// Threads share only the read-only Shared block and a few atomics; each keeps
// its own Stats, merged by the main thread after join.
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "bench_options.h"
#include "histogram.h"

struct bufferevent;
struct event;
struct event_base;
struct ssl_ctx_st;

namespace wsedge::bench {

/// Phases driven by the main thread, polled by every worker on its tick.
/// kEcho: idle mode with --echo-check only (one message per open connection).
enum Phase : int { kConnecting = -1, kWarmup = 0, kMeasure = 1, kEcho = 2, kStop = 3 };

/// What the main thread sets up once and every worker reads.
struct Shared {
  Options opt;
  sockaddr_in target{};
  std::string upgradeRequest;  // the same GET for every connection
  int sourceIps = 0;           // resolved from opt.sourceIps
  ssl_ctx_st* tls = nullptr;   // client context when opt.tls
  std::atomic<int> phase{kConnecting};
  std::atomic<int> readyWorkers{0};  // workers whose connections are all open or failed
  std::atomic<long> opened{0};       // start-up progress, for IDLE_READY
  std::atomic<long> failed{0};
  std::atomic<int> echoWorkers{0};  // workers that sent their echo-check messages
  std::atomic<long> echoSent{0};
  std::atomic<long> echoed{0};
};

/// Counters of one worker over the measured window.
struct Stats {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t bytesReceived = 0;
  std::uint64_t handshakes = 0;
  std::uint64_t handshakeFailures = 0;
  std::uint64_t closedByPeer = 0;
  std::uint64_t behind = 0;  // open loop: sends skipped, a connection had too much outstanding
  std::uint64_t openNow = 0;
  Histogram latency;           // message round trip, ns
  Histogram handshakeLatency;  // TCP connect to 101, ns
  void resetWindow();
  void merge(const Stats& other);
};

struct Conn;

class Worker {
 public:
  /// `firstIndex` numbers this worker's connections globally (source address spreading).
  Worker(Shared& shared, int index, int connections, int firstIndex);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Thread body: connects, runs the phases, returns after kStop.
  void run();

  /// Valid after run() returned.
  const Stats& stats() const { return final_; }
  double measuredSeconds() const { return measured_; }

  // Called by the connection callbacks (same thread).
  void onOpen(Conn* c);
  void onMessage(Conn* c, std::uint64_t payloadBytes);
  void onFailed(Conn* c, bool wasOpen);
  void onTick();
  void onSendTimer();

 private:
  Conn* startConn(int slot);
  void startMore();
  void sendMessage(Conn* c, std::uint64_t intendedNs);
  void enterPhase(int phase);
  void openLoopSend(std::uint64_t now);
  void finishConnect(Conn* c);

  Shared& shared_;
  int index_;
  int target_;  // connections to hold (closed, open, idle) or slots (connect)
  int firstIndex_;
  event_base* base_ = nullptr;
  event* tick_ = nullptr;
  event* sendTimer_ = nullptr;  // open loop: fires at the next intended send time
  std::vector<Conn*> conns_;
  int nextToStart_ = 0;
  int pending_ = 0;
  int done_ = 0;  // opened or failed during start-up
  bool reportedReady_ = false;
  int phase_ = kConnecting;
  std::uint64_t connectCounter_ = 0;
  // Open loop schedule.
  std::uint64_t scheduleStart_ = 0;
  std::uint64_t scheduled_ = 0;
  std::size_t rr_ = 0;
  std::uint64_t measureStart_ = 0;
  double measured_ = 0;
  Stats stats_;
  Stats final_;
  std::vector<std::uint8_t> frame_;  // one prebuilt, masked data frame
};

/// Monotonic clock in nanoseconds.
std::uint64_t nowNs();

}  // namespace wsedge::bench
