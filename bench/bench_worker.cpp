#include "bench_worker.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>

#include "ws_wire.h"

namespace wsedge::bench {

// The key every client sends, and the accept value RFC 6455 §1.3 derives from it.
constexpr std::string_view kAcceptValue = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
constexpr std::size_t kMaxResponseHead = 16 * 1024;
// Open loop: beyond this many unanswered messages a connection gets no more.
constexpr std::size_t kMaxOutstanding = 4096;

std::uint64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

enum class ConnState { Idle, Connecting, Handshake, Open, Dead };

struct Conn {
  Worker* worker = nullptr;
  bufferevent* bev = nullptr;
  int slot = 0;
  ConnState state = ConnState::Idle;
  std::uint64_t startNs = 0;
  std::uint64_t messageBytes = 0;  // payload of the message being reassembled
  std::deque<std::uint64_t> pending;  // send (or intended send) times, in order
};

void Stats::resetWindow() {
  sent = received = bytesReceived = handshakes = handshakeFailures = closedByPeer = behind = 0;
  latency.reset();
  handshakeLatency.reset();
}

void Stats::merge(const Stats& o) {
  sent += o.sent;
  received += o.received;
  bytesReceived += o.bytesReceived;
  handshakes += o.handshakes;
  handshakeFailures += o.handshakeFailures;
  closedByPeer += o.closedByPeer;
  behind += o.behind;
  openNow += o.openNow;
  latency.merge(o.latency);
  handshakeLatency.merge(o.handshakeLatency);
}

namespace {

void sendControl(Conn* c, Opcode op, const std::uint8_t* payload, std::size_t n) {
  std::uint8_t frame[kMaxFrameHead + 125];
  static constexpr std::uint8_t kMask[4] = {0x12, 0x34, 0x56, 0x78};
  n = std::min<std::size_t>(n, 125);
  const std::size_t hn = writeFrameHead(frame, true, op, n, kMask);
  std::memcpy(frame + hn, payload, n);
  applyMask(frame + hn, n, kMask);
  bufferevent_write(c->bev, frame, hn + n);
}

// Every complete frame in `in`; false when the connection was given up.
bool readFrames(Conn* c, evbuffer* in) {
  for (;;) {
    const std::size_t avail = evbuffer_get_length(in);
    if (avail < 2) return true;
    const auto peek = static_cast<ev_ssize_t>(std::min<std::size_t>(avail, kMaxFrameHead));
    FrameHead h;
    const HeadStatus st = parseFrameHead(evbuffer_pullup(in, peek), static_cast<std::size_t>(peek), h);
    if (st == HeadStatus::NeedMore) return true;
    if (st == HeadStatus::Invalid || h.masked) {
      c->worker->onFailed(c, true);
      return false;
    }
    if (avail < h.headerSize + h.length) return true;
    const auto op = static_cast<Opcode>(h.opcode);
    if (op == Opcode::Ping || op == Opcode::Close) {
      std::uint8_t payload[125];
      const std::size_t n = std::min<std::size_t>(h.length, sizeof payload);
      evbuffer_drain(in, h.headerSize);
      evbuffer_remove(in, payload, n);
      evbuffer_drain(in, h.length - n);
      sendControl(c, op == Opcode::Ping ? Opcode::Pong : Opcode::Close, payload, n);
      if (op == Opcode::Close) {
        c->worker->onFailed(c, true);
        return false;
      }
      continue;
    }
    evbuffer_drain(in, h.headerSize + h.length);
    if (op == Opcode::Pong) continue;
    c->messageBytes += h.length;
    if (h.fin) {
      const std::uint64_t bytes = c->messageBytes;
      c->messageBytes = 0;
      c->worker->onMessage(c, bytes);
    }
  }
}

// The 101: status line and the accept value we expect for our fixed key.
bool readHandshake(Conn* c, evbuffer* in) {
  const evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, nullptr);
  if (end.pos < 0) {
    if (evbuffer_get_length(in) > kMaxResponseHead) c->worker->onFailed(c, false);
    return false;
  }
  const auto n = static_cast<std::size_t>(end.pos) + 4;
  const std::string_view head(reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(n))), n);
  const bool ok = head.starts_with("HTTP/1.1 101") && head.find(kAcceptValue) != std::string_view::npos;
  evbuffer_drain(in, n);
  if (!ok) {
    c->worker->onFailed(c, false);
    return false;
  }
  c->worker->onOpen(c);
  return c->state == ConnState::Open;
}

void onRead(bufferevent* bev, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  evbuffer* in = bufferevent_get_input(bev);
  if (c->state == ConnState::Handshake && !readHandshake(c, in)) return;
  if (c->state == ConnState::Open) readFrames(c, in);
}

void onEvent(bufferevent* bev, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (what & BEV_EVENT_CONNECTED) {
    int one = 1;
    setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = ConnState::Handshake;
    return;
  }
  c->worker->onFailed(c, c->state == ConnState::Open);
}

void onTickCb(evutil_socket_t, short, void* arg) { static_cast<Worker*>(arg)->onTick(); }
void onSendTimerCb(evutil_socket_t, short, void* arg) { static_cast<Worker*>(arg)->onSendTimer(); }

}  // namespace

Worker::Worker(Shared& shared, int index, int connections, int firstIndex)
    : shared_(shared), index_(index), target_(connections), firstIndex_(firstIndex) {}

Worker::~Worker() {
  for (Conn* c : conns_) {
    if (c && c->bev) bufferevent_free(c->bev);
    delete c;
  }
  if (tick_) event_free(tick_);
  if (sendTimer_) event_free(sendTimer_);
  if (base_) event_base_free(base_);
}

void Worker::run() {
  const Options& o = shared_.opt;
  event_config* cfg = event_config_new();
  // The open loop's schedule needs sub-millisecond timers (timerfd).
  if (o.mode == Mode::Open) event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  base_ = event_base_new_with_config(cfg);
  event_config_free(cfg);

  std::mt19937 rng(static_cast<unsigned>(nowNs()) + static_cast<unsigned>(index_));
  std::uint8_t mask[4];
  for (auto& b : mask) b = static_cast<std::uint8_t>(rng());
  frame_.resize(kMaxFrameHead + o.size);
  const std::size_t hn = writeFrameHead(frame_.data(), true, o.text ? Opcode::Text : Opcode::Binary, o.size, mask);
  std::fill(frame_.begin() + static_cast<std::ptrdiff_t>(hn), frame_.end(), 'x');
  frame_.resize(hn + o.size);
  applyMask(frame_.data() + hn, o.size, mask);

  tick_ = event_new(base_, -1, EV_PERSIST, onTickCb, this);
  const timeval period{0, 5000};
  event_add(tick_, &period);
  sendTimer_ = evtimer_new(base_, onSendTimerCb, this);

  conns_.assign(static_cast<std::size_t>(target_), nullptr);
  if (o.mode == Mode::Connect || target_ == 0) {
    reportedReady_ = true;  // connect mode opens its connections only once load starts
    shared_.readyWorkers.fetch_add(1);
  } else {
    startMore();
  }
  event_base_dispatch(base_);
}

Conn* Worker::startConn(int slot) {
  const Options& o = shared_.opt;
  Conn*& c = conns_[static_cast<std::size_t>(slot)];
  if (!c) {
    c = new Conn;
    c->worker = this;
    c->slot = slot;
  }
  c->pending.clear();
  c->messageBytes = 0;
  c->state = ConnState::Connecting;
  c->startNs = nowNs();
  const std::uint64_t k = static_cast<std::uint64_t>(firstIndex_) + connectCounter_++;
  if (o.tls) {
    SSL* ssl = SSL_new(shared_.tls);
    SSL_set_tlsext_host_name(ssl, o.host.c_str());
    // BEV_OPT_CLOSE_ON_FREE: the bufferevent owns the SSL and the socket.
    c->bev = bufferevent_openssl_socket_new(base_, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  } else {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && shared_.sourceIps > 0) {
      // Each source address has its own ephemeral port range; the kernel picks
      // the port at connect time (IP_BIND_ADDRESS_NO_PORT) per 4-tuple.
      int one = 1;
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr = htonl(0x7F000002u + static_cast<std::uint32_t>(k % static_cast<unsigned>(shared_.sourceIps)));
      bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
    }
    c->bev = fd >= 0 ? bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE) : nullptr;
    if (!c->bev && fd >= 0) close(fd);
  }
  if (!c->bev) {
    onFailed(c, false);
    return c;
  }
  bufferevent_setcb(c->bev, onRead, nullptr, onEvent, c);
  const auto secs = static_cast<long>(o.handshakeTimeout);
  const timeval limit{secs, static_cast<long>((o.handshakeTimeout - static_cast<double>(secs)) * 1e6)};
  bufferevent_set_timeouts(c->bev, &limit, &limit);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  // Queued now, written as soon as the connection (and TLS) is up.
  bufferevent_write(c->bev, shared_.upgradeRequest.data(), shared_.upgradeRequest.size());
  if (bufferevent_socket_connect(c->bev, reinterpret_cast<sockaddr*>(&shared_.target), sizeof shared_.target) != 0) {
    onFailed(c, false);
  }
  return c;
}

void Worker::startMore() {
  while (pending_ < shared_.opt.concurrency && nextToStart_ < target_) {
    ++pending_;
    startConn(nextToStart_++);
  }
}

void Worker::onOpen(Conn* c) {
  const std::uint64_t now = nowNs();
  ++stats_.handshakes;
  stats_.handshakeLatency.record(now - c->startNs);
  if (shared_.opt.mode == Mode::Connect) {
    finishConnect(c);
    return;
  }
  // Held connections must not time out while idle.
  bufferevent_set_timeouts(c->bev, nullptr, nullptr);
  bufferevent_set_max_single_read(c->bev, 256 * 1024);
  c->state = ConnState::Open;
  shared_.opened.fetch_add(1, std::memory_order_relaxed);
  --pending_;
  ++done_;
  startMore();
  if (done_ == target_ && !reportedReady_) {
    reportedReady_ = true;
    shared_.readyWorkers.fetch_add(1);
  }
}

void Worker::finishConnect(Conn* c) {
  bufferevent_free(c->bev);  // plain close (FIN) right after the 101
  c->bev = nullptr;
  c->state = ConnState::Dead;
  // A run of pure failures means nothing listens: stop instead of spinning.
  const bool hopeless = stats_.handshakes == 0 && stats_.handshakeFailures > 1000;
  if (phase_ < kStop && !hopeless) startConn(c->slot);
}

void Worker::onFailed(Conn* c, bool wasOpen) {
  const bool wasStarting = c->state == ConnState::Connecting || c->state == ConnState::Handshake;
  if (c->bev) bufferevent_free(c->bev);
  c->bev = nullptr;
  c->state = ConnState::Dead;
  if (wasOpen) {
    ++stats_.closedByPeer;
    return;
  }
  ++stats_.handshakeFailures;
  if (shared_.opt.mode == Mode::Connect) {
    finishConnect(c);
    return;
  }
  if (!wasStarting) return;
  shared_.failed.fetch_add(1, std::memory_order_relaxed);
  --pending_;
  ++done_;
  startMore();
  if (done_ == target_ && !reportedReady_) {
    reportedReady_ = true;
    shared_.readyWorkers.fetch_add(1);
  }
}

void Worker::sendMessage(Conn* c, std::uint64_t intendedNs) {
  bufferevent_write(c->bev, frame_.data(), frame_.size());
  c->pending.push_back(intendedNs);
  ++stats_.sent;
}

void Worker::onMessage(Conn* c, std::uint64_t payloadBytes) {
  ++stats_.received;
  if (phase_ == kEcho) shared_.echoed.fetch_add(1, std::memory_order_relaxed);
  stats_.bytesReceived += payloadBytes;
  if (c->pending.empty()) return;
  const std::uint64_t now = nowNs();
  stats_.latency.record(now - c->pending.front());
  c->pending.pop_front();
  if (shared_.opt.mode == Mode::Closed && phase_ < kStop) sendMessage(c, now);
}

void Worker::onTick() {
  const int target = shared_.phase.load(std::memory_order_acquire);
  while (phase_ < target) enterPhase(phase_ + 1);
}

void Worker::onSendTimer() {
  if (phase_ != kWarmup && phase_ != kMeasure) return;
  openLoopSend(nowNs());
  // Sleep exactly until the next intended send: a fixed tick would add up to
  // one period of lag to every message and show it as latency.
  const double perWorker = shared_.opt.rate / shared_.opt.threads;
  const auto next = scheduleStart_ + static_cast<std::uint64_t>(static_cast<double>(scheduled_) * 1e9 / perWorker);
  const std::uint64_t now = nowNs();
  const std::uint64_t wait = next > now ? next - now : 0;
  const timeval tv{static_cast<time_t>(wait / 1'000'000'000ull), static_cast<suseconds_t>((wait % 1'000'000'000ull) / 1000)};
  evtimer_add(sendTimer_, &tv);
}

void Worker::enterPhase(int phase) {
  phase_ = phase;
  const Options& o = shared_.opt;
  const std::uint64_t now = nowNs();
  if (phase == kWarmup) {
    if (o.mode == Mode::Closed) {
      for (Conn* c : conns_)
        if (c && c->state == ConnState::Open)
          for (int i = 0; i < o.inflight; ++i) sendMessage(c, now);
    } else if (o.mode == Mode::Open) {
      scheduleStart_ = now;
      scheduled_ = 0;
      onSendTimer();
    } else if (o.mode == Mode::Connect) {
      for (int i = 0; i < target_; ++i) startConn(i);
    }
  } else if (phase == kMeasure) {
    if (o.mode != Mode::Idle) stats_.resetWindow();  // idle keeps its start-up counts
    measureStart_ = now;
  } else if (phase == kEcho) {
    if (o.mode == Mode::Idle && o.echoCheck > 0) {
      long n = 0;
      for (Conn* c : conns_)
        if (c && c->state == ConnState::Open) {
          sendMessage(c, now);
          ++n;
        }
      shared_.echoSent.fetch_add(n);
      shared_.echoWorkers.fetch_add(1);
    }
  } else if (phase == kStop) {
    measured_ = measureStart_ ? static_cast<double>(now - measureStart_) / 1e9 : 0;
    stats_.openNow = 0;
    for (Conn* c : conns_)
      if (c && c->state == ConnState::Open) ++stats_.openNow;
    final_ = stats_;
    event_base_loopbreak(base_);
  }
}

void Worker::openLoopSend(std::uint64_t now) {
  const double perWorker = shared_.opt.rate / shared_.opt.threads;
  // Everything whose intended time has come (the +1: the message at `now` itself).
  const auto due = static_cast<std::uint64_t>(static_cast<double>(now - scheduleStart_) * perWorker / 1e9) + 1;
  const std::size_t n = conns_.size();
  for (; scheduled_ < due; ++scheduled_) {
    const auto intended = scheduleStart_ + static_cast<std::uint64_t>(static_cast<double>(scheduled_) * 1e9 / perWorker);
    Conn* pick = nullptr;
    for (std::size_t tries = 0; tries < n && !pick; ++tries) {
      Conn* c = conns_[rr_++ % n];
      if (c && c->state == ConnState::Open) pick = c;
    }
    if (!pick || pick->pending.size() >= kMaxOutstanding) {
      ++stats_.behind;
      continue;
    }
    sendMessage(pick, intended);
  }
}

}  // namespace wsedge::bench
