// net::Conn against real sockets (AF_UNIX socketpairs and loopback TCP) and a
// real event_base. Every wait is a bounded loop: the base has a 5 ms ticker,
// so EVLOOP_ONCE always returns, and each helper gives up at a deadline.
#include "wsedge/net/conn.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tls/test_certs.h"
#include "wsedge/core/handles.h"
#include "wsedge/tls/handles.h"
#include "../../src/tls/conn_settings.h"

namespace wsedge::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- fixtures -----------------------------------------------------------------

/// The daemon ignores SIGPIPE (server.cpp); so does this binary, because
/// output queued in a Conn goes out with writev (evbuffer_write), which has no
/// MSG_NOSIGNAL.
class IgnoreSigpipe : public ::testing::Environment {
 public:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
};
[[maybe_unused]] const auto* const kSigpipeEnv =
    ::testing::AddGlobalTestEnvironment(new IgnoreSigpipe);

/// An owned file descriptor (the test's end of a pair, a listener).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// An event_base with a 5 ms ticker so that EVLOOP_ONCE never blocks for long.
class Loop {
 public:
  Loop() {
    tick_.reset(event_new(
        base_.get(), -1, EV_PERSIST, [](evutil_socket_t, short, void*) {}, nullptr));
    timeval tv{0, 5000};
    event_add(tick_.get(), &tv);
  }
  event_base* base() const { return base_.get(); }

  /// Runs the loop until `done()` or the deadline; true when `done()`.
  template <class Pred>
  bool runUntil(Pred done, std::chrono::milliseconds limit = 2000ms) {
    auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      event_base_loop(base_.get(), EVLOOP_ONCE);
    }
    return true;
  }
  /// Runs the loop for `d`: for proving that something does NOT happen.
  void runFor(std::chrono::milliseconds d) {
    auto deadline = Clock::now() + d;
    while (Clock::now() < deadline) event_base_loop(base_.get(), EVLOOP_ONCE);
  }

 private:
  core::EventBasePtr base_{event_base_new()};
  core::EventPtr tick_;  // freed before base_ (declared after it)
};

/// Owns a Conn and records its callbacks. `busy` is set by the test around
/// its own Conn calls: an EventCb seen while it is set ran synchronously.
struct Probe {
  std::unique_ptr<Conn> conn;
  int reads = 0;
  int writes = 0;
  std::vector<Conn::Event> events;
  std::vector<std::size_t> pendingAtWriteCb;
  bool busy = false;
  bool eventWhileBusy = false;
  int readsAfterDeath = 0;
  std::function<void(Probe&)> onRead;
  std::function<void(Probe&)> onWrite;
  std::function<void(Probe&, Conn::Event)> onEvent;

  void attach() { conn->setCallbacks(&Probe::readCb, &Probe::writeCb, &Probe::eventCb, this); }

  /// read() with the `busy` guard.
  std::size_t read(void* buf, std::size_t cap) {
    busy = true;
    std::size_t n = conn->read(buf, cap);
    busy = false;
    return n;
  }
  /// Reads until read() returns 0 (would block, or Eof/Error on its way).
  std::string readAll() {
    std::string out;
    char buf[8192];
    while (std::size_t n = read(buf, sizeof buf)) out.append(buf, n);
    return out;
  }
  void write(const void* buf, std::size_t n) {
    busy = true;
    conn->write(buf, n);
    busy = false;
  }
  void write(const std::string& s) { write(s.data(), s.size()); }

  static void readCb(void* ctx) {
    auto* p = static_cast<Probe*>(ctx);
    p->reads++;
    if (!p->events.empty()) p->readsAfterDeath++;
    if (p->onRead) p->onRead(*p);
  }
  static void writeCb(void* ctx) {
    auto* p = static_cast<Probe*>(ctx);
    p->writes++;
    if (p->conn) p->pendingAtWriteCb.push_back(p->conn->pending());
    if (p->onWrite) p->onWrite(*p);
  }
  static void eventCb(Conn::Event what, void* ctx) {
    auto* p = static_cast<Probe*>(ctx);
    if (p->busy) p->eventWhileBusy = true;
    p->events.push_back(what);
    if (p->onEvent) p->onEvent(*p, what);
  }
};

// ---- sockets ------------------------------------------------------------------

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void setBuffers(int fd, int bytes) {
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

/// A non-blocking AF_UNIX stream pair: first for the Conn, second for the test.
std::pair<int, Fd> unixPair() {
  int sv[2] = {-1, -1};
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  return {sv[0], Fd(sv[1])};
}

/// A listening socket on 127.0.0.1, ephemeral port.
Fd listenLoopback(sockaddr_in& addr) {
  Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(l.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(l.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  EXPECT_EQ(::listen(l.get(), 16), 0);
  return l;
}

/// A connected loopback TCP pair, both non-blocking: first for the Conn.
/// `bufBytes` > 0 shrinks both sides' buffers before connecting.
std::pair<int, Fd> tcpPair(int bufBytes = 0) {
  sockaddr_in addr{};
  Fd l = listenLoopback(addr);
  int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bufBytes > 0) setBuffers(c, bufBytes);
  EXPECT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Fd s(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (bufBytes > 0) setBuffers(s.get(), bufBytes);
  setNonBlocking(c);
  return {c, std::move(s)};
}

bool waitReadable(int fd, int ms = 1000) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

void sendAll(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

/// Reads what the socket has now (non-blocking); `eof` set on a 0 read.
std::size_t drain(int fd, std::vector<std::uint8_t>& out, bool* eof = nullptr) {
  std::size_t total = 0;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      out.insert(out.end(), buf, buf + n);
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0 && eof) *eof = true;
    return total;
  }
}

std::string recvString(int fd, std::size_t want, int ms = 1000) {
  std::vector<std::uint8_t> got;
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  while (got.size() < want && Clock::now() < deadline) {
    waitReadable(fd, 10);
    drain(fd, got);
  }
  return {got.begin(), got.end()};
}

/// Bytes whose every 4-byte word holds its own index: a lost, repeated or
/// reordered chunk shows at its exact offset.
std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i / 4) >> (8 * (i % 4)));
  return v;
}

/// First offset where `got` differs from `want` (or the shorter size).
std::size_t firstDiff(const std::vector<std::uint8_t>& got, const std::vector<std::uint8_t>& want) {
  std::size_t n = std::min(got.size(), want.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) return i;
  }
  return n;
}

std::string inputString(Conn& c) {
  evbuffer* in = c.input();
  std::size_t n = evbuffer_get_length(in);
  const auto* p = reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(n)));
  return n ? std::string(p, n) : std::string();
}

/// An accepted plain Conn over a fresh socketpair, callbacks on `p`.
Fd acceptedUnix(Loop& loop, Probe& p) {
  auto [mine, peer] = unixPair();
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  return std::move(peer);
}

// ---- 1, 2: read(), unread(), buffered(), input(), fill() ---------------------------

// ReadCb fires when the peer writes, and read() returns exactly those bytes.
TEST(ConnRead, ReadCbDeliversPeerBytes) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  std::string got;
  p.onRead = [&](Probe& self) { got += self.readAll(); };
  p.conn->setReading(true);
  sendAll(peer.get(), "hello, conn");
  ASSERT_TRUE(loop.runUntil([&] { return got.size() >= 11; }));
  EXPECT_EQ(got, "hello, conn");
  EXPECT_EQ(p.conn->buffered(), 0u);
  EXPECT_TRUE(p.events.empty());
}

// unread() bytes come back before the socket's, in order, from one read();
// buffered() counts them, and drops to 0 once input() is read empty.
TEST(ConnRead, UnreadBytesComeFirstThenSocketBytes) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  sendAll(peer.get(), "world");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  p.conn->unread("hello ", 6);
  EXPECT_EQ(p.conn->buffered(), 6u);
  char buf[64];
  std::size_t n = p.read(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "hello world");
  EXPECT_EQ(p.conn->buffered(), 0u);
  EXPECT_EQ(p.read(buf, sizeof buf), 0u);  // nothing left anywhere, and no EOF
  loop.runFor(20ms);
  EXPECT_TRUE(p.events.empty());
}

// A read() smaller than input() takes only from input() (the socket's bytes
// wait behind); a second unread() goes in front of the first.
TEST(ConnRead, UnreadPrependsAndShortReadsKeepTheRest) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  sendAll(peer.get(), "XYZ");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  p.conn->unread("efgh", 4);
  p.conn->unread("abcd", 4);
  EXPECT_EQ(p.conn->buffered(), 8u);
  char buf[64];
  ASSERT_EQ(p.read(buf, 3), 3u);
  EXPECT_EQ(std::string(buf, 3), "abc");
  EXPECT_EQ(p.conn->buffered(), 5u);
  char peeked[8];
  EXPECT_EQ(p.conn->peek(peeked, sizeof peeked), 3u)
      << "the socket bytes must still be in the kernel";
  std::size_t n = p.read(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "defghXYZ");
  EXPECT_EQ(p.conn->buffered(), 0u);
}

// input() is freed once read() empties it: the next fill() gets a new
// evbuffer. The old one is marked by freezing its end, which would make any
// later append to it (fill()) fail.
TEST(ConnRead, InputIsFreedWhenReadEmpty) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  p.conn->unread("ab", 2);
  ASSERT_EQ(evbuffer_freeze(p.conn->input(), 0), 0);
  char buf[8];
  ASSERT_EQ(p.read(buf, sizeof buf), 2u);
  EXPECT_EQ(p.conn->buffered(), 0u);
  sendAll(peer.get(), "z");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  EXPECT_EQ(p.conn->fill(), 1u) << "fill() appended to the old, emptied input()";
  EXPECT_EQ(inputString(*p.conn), "z");
}

// fill() appends one socket read to input() (after what unread() put there),
// and read() then returns input() in order. fill() with nothing waiting is 0.
TEST(ConnRead, FillAppendsToInput) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  EXPECT_EQ(p.conn->fill(), 0u);
  EXPECT_EQ(p.conn->buffered(), 0u);
  p.conn->unread(">", 1);
  sendAll(peer.get(), "GET / HTTP/1.1\r\n");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  EXPECT_EQ(p.conn->fill(), 16u);
  EXPECT_EQ(p.conn->buffered(), 17u);
  sendAll(peer.get(), "Host: x\r\n\r\n");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  EXPECT_EQ(p.conn->fill(), 11u);
  EXPECT_EQ(p.conn->buffered(), 28u);
  EXPECT_EQ(inputString(*p.conn), ">GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[64];
  std::size_t n = p.read(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), ">GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(p.conn->buffered(), 0u);
}

// fill() that meets EOF returns 0, keeps what input() held, and reports Eof
// from the loop, not from inside fill().
TEST(ConnRead, FillAtEofReportsFromLoop) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  sendAll(peer.get(), "abc");
  peer.reset();
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  p.busy = true;
  EXPECT_EQ(p.conn->fill(), 3u);
  EXPECT_EQ(p.conn->fill(), 0u);
  p.busy = false;
  EXPECT_TRUE(p.events.empty());
  EXPECT_EQ(inputString(*p.conn), "abc");
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Eof});
  EXPECT_FALSE(p.eventWhileBusy);
}

// ---- 3: EOF ---------------------------------------------------------------------

// Peer writes then closes: read() returns the data, the read that meets EOF
// returns 0 without calling EventCb, and Eof arrives from the loop once.
TEST(ConnEof, DataFirstThenEofFromLoopOnce) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  sendAll(peer.get(), "last words");
  peer.reset();
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  char buf[64];
  std::size_t n = p.read(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "last words");
  EXPECT_EQ(p.read(buf, sizeof buf), 0u);
  EXPECT_TRUE(p.events.empty()) << "Eof must not be reported from inside read()";
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  loop.runFor(30ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Eof});
  EXPECT_FALSE(p.eventWhileBusy);
}

// The ReadCb path: 200 KB then a close arrive intact, then exactly one Eof,
// and no ReadCb runs after it (the Conn does nothing more once dead).
TEST(ConnEof, ReadCbGetsAllDataThenOneEof) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  std::vector<std::uint8_t> want = pattern(200 * 1024);
  std::vector<std::uint8_t> got;
  p.onRead = [&](Probe& self) {
    std::string s = self.readAll();
    got.insert(got.end(), s.begin(), s.end());
  };
  p.conn->setReading(true);
  std::size_t sent = 0;
  ASSERT_TRUE(loop.runUntil([&] {
    if (sent < want.size()) {
      ssize_t w =
          ::send(peer.get(), want.data() + sent, want.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) sent += static_cast<std::size_t>(w);
      if (sent == want.size()) ::shutdown(peer.get(), SHUT_WR);
    }
    return !p.events.empty();
  }));
  loop.runFor(30ms);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(firstDiff(got, want), want.size());
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Eof});
  EXPECT_FALSE(p.eventWhileBusy);
  EXPECT_EQ(p.readsAfterDeath, 0);
}

// ---- 4: write() -------------------------------------------------------------------

// A write the kernel takes whole goes out at once: nothing pending, no WriteCb.
TEST(ConnWrite, DirectWriteReachesPeerWithoutWriteCb) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  p.write("ping");
  EXPECT_EQ(p.conn->pending(), 0u);
  EXPECT_EQ(recvString(peer.get(), 4), "ping");
  loop.runFor(20ms);
  EXPECT_EQ(p.writes, 0);
  EXPECT_TRUE(p.events.empty());
}

/// Writes `want` in 64 KiB pieces to a peer that does not read, then drains
/// the peer while the loop runs; returns what the peer got.
std::vector<std::uint8_t> writeThenDrain(Loop& loop, Probe& p, int peerFd,
                                         const std::vector<std::uint8_t>& want) {
  constexpr std::size_t kPiece = 64 * 1024;
  for (std::size_t off = 0; off < want.size(); off += kPiece) {
    p.write(want.data() + off, std::min(kPiece, want.size() - off));
  }
  EXPECT_GT(p.conn->pending(), 0u) << "the peer does not read: the kernel cannot take 4 MB";
  EXPECT_LT(p.conn->pending(), want.size()) << "the first write goes straight to the kernel";
  std::vector<std::uint8_t> got;
  loop.runFor(10ms);  // nothing drains: no WriteCb
  EXPECT_EQ(p.writes, 0);
  EXPECT_TRUE(loop.runUntil(
      [&] {
        drain(peerFd, got);
        return got.size() >= want.size() && p.conn->pending() == 0 && p.writes > 0;
      },
      4000ms));
  return got;
}

// 4 MB to a peer that does not read: the rest waits (pending() > 0); once the
// peer drains, every byte arrives in order, and WriteCb only ever runs with
// pending() at or below the low watermark.
TEST(ConnWrite, BackpressureKeepsOrderAndWriteCbAtLowWatermark) {
  Loop loop;
  Probe p;
  auto [mine, peer] = unixPair();
  setBuffers(mine, 16 * 1024);
  setBuffers(peer.get(), 16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  constexpr std::size_t kLow = 256 * 1024;
  p.conn->setLowWatermark(kLow);
  std::vector<std::uint8_t> want = pattern(4 * 1024 * 1024);
  std::vector<std::uint8_t> got = writeThenDrain(loop, p, peer.get(), want);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(firstDiff(got, want), want.size());
  ASSERT_GT(p.writes, 0);
  for (std::size_t pend : p.pendingAtWriteCb) EXPECT_LE(pend, kLow);
  EXPECT_TRUE(p.events.empty());
}

// Same over loopback TCP with the default watermark (0): WriteCb means all
// of it went to the kernel.
TEST(ConnWrite, TcpBackpressureWriteCbAtZeroMeansAllSent) {
  Loop loop;
  Probe p;
  auto [mine, peer] = tcpPair(16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  std::vector<std::uint8_t> want = pattern(4 * 1024 * 1024);
  std::vector<std::uint8_t> got = writeThenDrain(loop, p, peer.get(), want);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(firstDiff(got, want), want.size());
  ASSERT_GT(p.writes, 0);
  for (std::size_t pend : p.pendingAtWriteCb) EXPECT_EQ(pend, 0u);
}

// ---- 5: writing to a dead peer -----------------------------------------------------

/// Closes a TCP socket with an RST (SO_LINGER 0).
void resetClose(Fd& fd) {
  linger lg{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  fd.reset();
}

// A direct write to a peer that sent RST: Error from the loop, once, not from
// inside write(); later writes are no-ops.
TEST(ConnWrite, DirectWriteToResetPeerIsErrorOnce) {
  Loop loop;
  Probe p;
  auto [mine, peer] = tcpPair();
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  resetClose(peer);
  ASSERT_TRUE(waitReadable(p.conn->fd()));  // the RST is in
  p.write("anyone there?");
  EXPECT_TRUE(p.events.empty()) << "Error must not be reported from inside write()";
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  p.write("still?");
  EXPECT_EQ(p.conn->pending(), 0u);
  loop.runFor(30ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Error});
  EXPECT_FALSE(p.eventWhileBusy);
  EXPECT_EQ(p.writes, 0);
}

// Output waiting for EV_WRITE when the peer resets: Error from the loop, once,
// and the unsendable output is dropped.
TEST(ConnWrite, QueuedOutputToResetPeerIsErrorOnce) {
  Loop loop;
  Probe p;
  auto [mine, peer] = tcpPair(16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  std::vector<std::uint8_t> data = pattern(1024 * 1024);
  p.write(data.data(), data.size());
  ASSERT_GT(p.conn->pending(), 0u);
  resetClose(peer);
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  loop.runFor(30ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Error});
  EXPECT_EQ(p.conn->pending(), 0u);
  EXPECT_EQ(p.writes, 0);
}

// The same with a closed socketpair end (EPIPE on writev): one report, Error
// or Eof, and the output is dropped.
TEST(ConnWrite, QueuedOutputToClosedUnixPeerIsReportedOnce) {
  Loop loop;
  Probe p;
  auto [mine, peer] = unixPair();
  setBuffers(mine, 16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  std::vector<std::uint8_t> data = pattern(1024 * 1024);
  p.write(data.data(), data.size());
  ASSERT_GT(p.conn->pending(), 0u);
  peer.reset();
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  loop.runFor(30ms);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_TRUE(p.events[0] == Conn::Event::Error || p.events[0] == Conn::Event::Eof);
  EXPECT_EQ(p.conn->pending(), 0u);
}

// ---- 6: setReading -----------------------------------------------------------------

// With reading off, bytes in the socket run no ReadCb; turning it on does.
// A ReadCb that turns reading off gets no second call, though bytes remain.
TEST(ConnReading, SetReadingGatesReadCb) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  p.conn->setReading(true);
  p.conn->setReading(false);
  sendAll(peer.get(), "data");
  loop.runFor(30ms);
  EXPECT_EQ(p.reads, 0);
  p.onRead = [](Probe& self) { self.conn->setReading(false); };  // reads nothing
  p.conn->setReading(true);
  ASSERT_TRUE(loop.runUntil([&] { return p.reads > 0; }));
  loop.runFor(30ms);
  EXPECT_EQ(p.reads, 1);
  char buf[16];
  EXPECT_EQ(std::string(buf, p.read(buf, sizeof buf)), "data");
}

// setReading(true) with bytes in input() and none in the socket schedules a
// ReadCb (from the loop, not inside setReading) that gets those bytes.
TEST(ConnReading, SetReadingTrueWithBufferedInputSchedulesReadCb) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  std::string got;
  p.onRead = [&](Probe& self) { got += self.readAll(); };
  p.conn->unread("held back", 9);
  p.conn->setReading(true);
  EXPECT_EQ(p.reads, 0);
  ASSERT_TRUE(loop.runUntil([&] { return p.reads > 0; }, 1000ms));
  EXPECT_EQ(got, "held back");
  EXPECT_EQ(p.conn->buffered(), 0u);
}

// Regression: the ReadCb that setReading(true) schedules with event_active()
// for bytes in input() must survive a write() in the same loop pass that has
// to queue output (update() re-registers the event, and event_del() also
// takes it off libevent's active queue). The socket has nothing new and the
// peer does not read: without the re-queue, the bytes in input() would wait
// forever (the same holds for records waiting inside SSL).
TEST(ConnReading, BufferedInputWakeupSurvivesQueuedWrite) {
  Loop loop;
  Probe p;
  auto [mine, peer] = unixPair();
  setBuffers(mine, 16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  std::string got;
  p.onRead = [&](Probe& self) { got += self.readAll(); };
  p.conn->unread("held back", 9);
  p.conn->setReading(true);
  std::vector<std::uint8_t> data = pattern(1024 * 1024);
  p.write(data.data(), data.size());
  ASSERT_GT(p.conn->pending(), 0u);
  EXPECT_TRUE(loop.runUntil([&] { return p.reads > 0; }, 500ms));
  EXPECT_EQ(got, "held back");
}

// ---- 7: connect() ----------------------------------------------------------------

// connect() to a listening loopback port: Connected once, and the Conn then
// carries bytes both ways.
TEST(ConnConnect, ToListenerIsConnectedOnce) {
  Loop loop;
  sockaddr_in addr{};
  Fd listener = listenLoopback(addr);
  Probe p;
  p.conn = Conn::outgoing(loop.base(), nullptr);
  p.attach();
  ASSERT_TRUE(p.conn->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  EXPECT_TRUE(p.events.empty());
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  loop.runFor(20ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Connected});
  Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  ASSERT_GE(server.get(), 0);
  p.write("hi");
  EXPECT_EQ(recvString(server.get(), 2), "hi");
  std::string got;
  p.onRead = [&](Probe& self) { got += self.readAll(); };
  p.conn->setReading(true);
  sendAll(server.get(), "yo");
  ASSERT_TRUE(loop.runUntil([&] { return got.size() >= 2; }));
  EXPECT_EQ(got, "yo");
}

// connect() to a port nobody listens on (bound, so no one else can take it):
// false at once, or Error from the loop, once.
TEST(ConnConnect, ToClosedPortIsError) {
  Loop loop;
  Fd bound(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(bound.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(bound.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  Probe p;
  p.conn = Conn::outgoing(loop.base(), nullptr);
  p.attach();
  if (!p.conn->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr)) return;  // refused at once
  ASSERT_TRUE(loop.runUntil([&] { return !p.events.empty(); }));
  loop.runFor(20ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Error});
}

// ---- 8: the owner destroys the Conn inside its callbacks ---------------------------
// These prove it under ASan (use-after-free) and in plain builds by the loop
// running on afterwards without touching the freed Conn.

// Destroyed in ReadCb after reading.
TEST(ConnLifetime, DestroyInReadCb) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  std::string got;
  p.onRead = [&](Probe& self) {
    got = self.readAll();
    self.conn.reset();
  };
  p.conn->setReading(true);
  sendAll(peer.get(), "bye");
  ASSERT_TRUE(loop.runUntil([&] { return p.conn == nullptr; }));
  loop.runFor(30ms);
  EXPECT_EQ(got, "bye");
  EXPECT_EQ(p.reads, 1);
  EXPECT_TRUE(p.events.empty());
}

// Destroyed in ReadCb after read() met EOF, with the Eof report queued: the
// report must never run.
TEST(ConnLifetime, DestroyInReadCbWithEofQueued) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  p.onRead = [](Probe& self) {
    self.readAll();  // ends at EOF: the report is queued
    self.conn.reset();
  };
  p.conn->setReading(true);
  sendAll(peer.get(), "x");
  peer.reset();
  ASSERT_TRUE(loop.runUntil([&] { return p.conn == nullptr; }));
  loop.runFor(30ms);
  EXPECT_TRUE(p.events.empty());
}

// Destroyed in EventCb(Eof).
TEST(ConnLifetime, DestroyInEventCb) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  p.onRead = [](Probe& self) { self.readAll(); };
  p.onEvent = [](Probe& self, Conn::Event) { self.conn.reset(); };
  p.conn->setReading(true);
  peer.reset();
  ASSERT_TRUE(loop.runUntil([&] { return p.conn == nullptr; }));
  loop.runFor(30ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Eof});
}

// Destroyed in WriteCb while the same wake-up also has EV_READ: the read half
// of the dispatch must not run on the freed Conn.
TEST(ConnLifetime, DestroyInWriteCbWithReadPending) {
  Loop loop;
  Probe p;
  auto [mine, peer] = unixPair();
  setBuffers(mine, 16 * 1024);
  p.conn = Conn::accepted(loop.base(), mine, nullptr);
  p.attach();
  p.onWrite = [](Probe& self) { self.conn.reset(); };
  p.conn->setLowWatermark(1u << 30);  // the first flush calls WriteCb
  p.conn->setReading(true);
  std::vector<std::uint8_t> data = pattern(512 * 1024);
  p.write(data.data(), data.size());
  ASSERT_GT(p.conn->pending(), 0u);
  sendAll(peer.get(), "readable too");
  std::vector<std::uint8_t> got;
  ASSERT_TRUE(loop.runUntil([&] {
    drain(peer.get(), got);
    return p.conn == nullptr;
  }));
  loop.runFor(30ms);
  EXPECT_EQ(p.writes, 1);
}

// Destroyed in EventCb(Connected).
TEST(ConnLifetime, DestroyInConnectedCb) {
  Loop loop;
  sockaddr_in addr{};
  Fd listener = listenLoopback(addr);
  Probe p;
  p.conn = Conn::outgoing(loop.base(), nullptr);
  p.attach();
  p.onEvent = [](Probe& self, Conn::Event) { self.conn.reset(); };
  ASSERT_TRUE(p.conn->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ASSERT_TRUE(loop.runUntil([&] { return p.conn == nullptr; }));
  loop.runFor(30ms);
  EXPECT_EQ(p.events, std::vector<Conn::Event>{Conn::Event::Connected});
}

// ---- 9: peek() / consume() ----------------------------------------------------------

// peek() copies without taking (twice the same bytes, input() untouched);
// consume(n) takes exactly n, and read() gets the rest.
TEST(ConnPeek, PeekKeepsConsumeTakesExactly) {
  Loop loop;
  Probe p;
  Fd peer = acceptedUnix(loop, p);
  sendAll(peer.get(), "PROXY TCP4 1.2.3.4\r\n\x16\x03\x01");
  ASSERT_TRUE(waitReadable(p.conn->fd()));
  char buf[64];
  std::size_t n = p.conn->peek(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "PROXY TCP4 1.2.3.4\r\n\x16\x03\x01");
  n = p.conn->peek(buf, 5);
  EXPECT_EQ(std::string(buf, n), "PROXY");
  EXPECT_EQ(p.conn->buffered(), 0u);
  p.conn->consume(20);
  n = p.read(buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "\x16\x03\x01");
  EXPECT_TRUE(p.events.empty());
}

// ---- 10: TLS ------------------------------------------------------------------------

/// Contexts with the settings tls::ServerContext / tls::ClientContext use
/// (tls::applyConnSettings), with a fresh self-signed EC certificate.
struct TlsContexts {
  tls::SslCtxPtr server{SSL_CTX_new(TLS_server_method())};
  tls::SslCtxPtr client{SSL_CTX_new(TLS_client_method())};

  TlsContexts() {
    tls::EvpPkeyPtr key = tls::testing::makeKey(tls::testing::KeyKind::Ec);
    tls::X509Ptr cert = tls::testing::makeCert(key.get(), {"localhost"});
    SSL_CTX_use_certificate(server.get(), cert.get());
    SSL_CTX_use_PrivateKey(server.get(), key.get());
    for (SSL_CTX* c : {server.get(), client.get()}) tls::applyConnSettings(c);
    SSL_CTX_set_verify(client.get(), SSL_VERIFY_NONE, nullptr);
  }
};

/// A TLS client Conn connected to a TLS server Conn over loopback TCP.
struct TlsPair {
  Probe client;
  Probe server;
  bool up = false;

  TlsPair(Loop& loop, TlsContexts& ctx, int bufBytes = 0) {
    sockaddr_in addr{};
    Fd listener = listenLoopback(addr);
    client.conn = Conn::outgoing(loop.base(), SSL_new(ctx.client.get()));
    client.attach();
    EXPECT_TRUE(client.conn->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    EXPECT_TRUE(waitReadable(listener.get()));
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (bufBytes > 0) setBuffers(fd, bufBytes);
    if (bufBytes > 0) setBuffers(client.conn->fd(), bufBytes);
    server.conn = Conn::accepted(loop.base(), fd, SSL_new(ctx.server.get()));
    server.attach();
    server.conn->setReading(true);
    // Up: the client saw Connected and the server finished. A failed
    // handshake ends the wait as soon as both sides have reported.
    loop.runUntil([&] {
      return !client.events.empty() && (!server.conn->handshakePending() || !server.events.empty());
    });
    up = client.events == std::vector<Conn::Event>{Conn::Event::Connected} &&
         !server.conn->handshakePending();
  }
};

// A handshake between two Conns, then bytes both ways; peek() is off on TLS.
TEST(ConnTls, HandshakeAndRoundTrip) {
  Loop loop;
  TlsContexts ctx;
  TlsPair t(loop, ctx);
  ASSERT_TRUE(t.up);
  EXPECT_EQ(t.client.events, std::vector<Conn::Event>{Conn::Event::Connected});
  EXPECT_TRUE(t.client.conn->isTls());
  EXPECT_FALSE(t.client.conn->handshakePending());
  std::string atServer;
  std::string atClient;
  t.server.onRead = [&](Probe& self) { atServer += self.readAll(); };
  t.client.onRead = [&](Probe& self) { atClient += self.readAll(); };
  t.client.conn->setReading(true);
  t.client.write("hello over tls");
  ASSERT_TRUE(loop.runUntil([&] { return atServer.size() >= 14; }));
  EXPECT_EQ(atServer, "hello over tls");
  t.server.write("and back");
  ASSERT_TRUE(loop.runUntil([&] { return atClient.size() >= 8; }));
  EXPECT_EQ(atClient, "and back");
  char buf[8];
  EXPECT_EQ(t.server.conn->peek(buf, sizeof buf), 0u);
  EXPECT_TRUE(t.server.events.empty());
}

// 2 MB through TLS with small socket buffers: output queues, and every byte
// arrives in order at the reading Conn, WriteCb once pending() is 0.
TEST(ConnTls, LargeTransferKeepsOrder) {
  Loop loop;
  TlsContexts ctx;
  TlsPair t(loop, ctx, 16 * 1024);
  ASSERT_TRUE(t.up);
  std::vector<std::uint8_t> want = pattern(2 * 1024 * 1024);
  std::vector<std::uint8_t> got;
  t.server.onRead = [&](Probe& self) {
    std::string s = self.readAll();
    got.insert(got.end(), s.begin(), s.end());
  };
  constexpr std::size_t kPiece = 100 * 1000;  // not a record multiple
  for (std::size_t off = 0; off < want.size(); off += kPiece) {
    t.client.write(want.data() + off, std::min(kPiece, want.size() - off));
  }
  EXPECT_GT(t.client.conn->pending(), 0u);
  ASSERT_TRUE(
      loop.runUntil([&] { return got.size() >= want.size() && t.client.writes > 0; }, 4000ms));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(firstDiff(got, want), want.size());
  EXPECT_EQ(t.client.conn->pending(), 0u);
  for (std::size_t pend : t.client.pendingAtWriteCb) EXPECT_EQ(pend, 0u);
  EXPECT_TRUE(t.client.events == std::vector<Conn::Event>{Conn::Event::Connected});
  EXPECT_TRUE(t.server.events.empty());
}

// Records already decrypted or read ahead inside SSL are invisible to epoll:
// a ReadCb that takes one byte at a time must still get them all, with no new
// bytes arriving on the socket.
TEST(ConnTls, BytesBufferedInsideSslRunReadCbAgain) {
  Loop loop;
  TlsContexts ctx;
  TlsPair t(loop, ctx);
  ASSERT_TRUE(t.up);
  std::string got;
  t.server.onRead = [&](Probe& self) {
    char c;
    if (self.read(&c, 1) == 1) got += c;
  };
  for (const char* rec : {"abc", "def", "ghi"}) t.client.write(rec, 3);  // three records
  ASSERT_TRUE(loop.runUntil([&] { return got.size() >= 9; }, 1000ms)) << "got only: " << got;
  EXPECT_EQ(got, "abcdefghi");
}

// shutdownWrite() sends close_notify: the other side reads the data, then Eof
// from the loop, once.
TEST(ConnTls, CloseNotifyIsEofAfterData) {
  Loop loop;
  TlsContexts ctx;
  TlsPair t(loop, ctx);
  ASSERT_TRUE(t.up);
  std::string got;
  t.server.onRead = [&](Probe& self) { got += self.readAll(); };
  t.client.write("final");
  t.client.conn->shutdownWrite();
  ASSERT_TRUE(loop.runUntil([&] { return !t.server.events.empty(); }));
  loop.runFor(20ms);
  EXPECT_EQ(got, "final");
  EXPECT_EQ(t.server.events, std::vector<Conn::Event>{Conn::Event::Eof});
  EXPECT_FALSE(t.server.eventWhileBusy);
}

// A client that verifies against an empty trust store: Error, once, and
// tlsFailure() names the certificate problem.
TEST(ConnTls, UntrustedCertificateIsErrorWithReason) {
  Loop loop;
  TlsContexts ctx;
  SSL_CTX_set_verify(ctx.client.get(), SSL_VERIFY_PEER, nullptr);
  TlsPair t(loop, ctx);
  ASSERT_FALSE(t.client.events.empty());
  loop.runFor(20ms);
  EXPECT_EQ(t.client.events, std::vector<Conn::Event>{Conn::Event::Error});
  EXPECT_NE(t.client.conn->tlsFailure().find("certificate verify failed"), std::string::npos)
      << t.client.conn->tlsFailure();
}

// A plain accepted Conn peeks and consumes a cleartext PROXY header, then
// startTls() runs the handshake over the untouched socket, and the first
// application bytes arrive.
TEST(ConnTls, StartTlsAfterPeekedProxyHeader) {
  Loop loop;
  TlsContexts ctx;
  auto [mine, peer] = tcpPair();
  Probe server;
  server.conn = Conn::accepted(loop.base(), mine, nullptr);
  server.attach();
  std::string got;
  server.onRead = [&](Probe& self) { got += self.readAll(); };
  const std::string header = "PROXY TCP4 10.0.0.1 10.0.0.2 1000 443\r\n";
  sendAll(peer.get(), header);
  tls::SslPtr cli(SSL_new(ctx.client.get()));
  SSL_set_fd(cli.get(), peer.get());
  SSL_set_connect_state(cli.get());
  SSL_do_handshake(cli.get());  // the ClientHello follows the header at once
  ASSERT_TRUE(waitReadable(server.conn->fd()));
  char buf[128];
  std::size_t n = server.conn->peek(buf, sizeof buf);
  ASSERT_GE(n, header.size());
  ASSERT_EQ(std::string(buf, header.size()), header);
  server.conn->consume(header.size());
  server.conn->startTls(SSL_new(ctx.server.get()));
  server.conn->setReading(true);
  bool cliUp = false;
  ASSERT_TRUE(loop.runUntil([&] {
    if (!cliUp) cliUp = SSL_do_handshake(cli.get()) == 1;
    return cliUp && !server.conn->handshakePending();
  }));
  std::size_t written = 0;
  ASSERT_EQ(SSL_write_ex(cli.get(), "after proxy", 11, &written), 1);
  ASSERT_TRUE(loop.runUntil([&] {
    char sink[64];
    std::size_t r = 0;
    SSL_read_ex(cli.get(), sink, sizeof sink, &r);  // session tickets
    ERR_clear_error();
    return got.size() >= 11;
  }));
  EXPECT_EQ(got, "after proxy");
  EXPECT_TRUE(server.events.empty());
}

}  // namespace
}  // namespace wsedge::net
