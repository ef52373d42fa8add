// wsedge-echo-backend: a multi-threaded WebSocket echo server for benchmarks.
// Each thread runs its own event loop and its own SO_REUSEPORT listener on the
// same port, so the kernel spreads connections and no lock is shared. It does
// the least an RFC 6455 server may do (unmask, echo with the same opcode and
// FIN bit, answer ping and close) so the backend is never what limits a result.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fd_limit.h"
#include "ws_wire.h"

namespace wsedge::bench {
namespace {

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::uint64_t kMaxFrame = 64ull << 20;
// Stop reading a client whose echoes it does not read: bounded memory.
constexpr std::size_t kOutputHigh = 4u << 20;

struct Options {
  std::string address = "127.0.0.1";
  int port = 0;
  int threads = 2;
};

struct Worker;

struct Conn {
  Worker* worker = nullptr;
  bufferevent* bev = nullptr;
  bool upgraded = false;
  bool closing = false;
};

struct Worker {
  event_base* base = nullptr;
  evconnlistener* listener = nullptr;
  std::vector<std::uint8_t> scratch;
};

void freeConn(Conn* c) {
  bufferevent_free(c->bev);  // BEV_OPT_CLOSE_ON_FREE: closes the socket too
  delete c;
}

void onEvent(bufferevent*, short, void* arg) { freeConn(static_cast<Conn*>(arg)); }

// Installed once the last bytes (a 200 or a close echo) are queued: free when flushed.
void onDrained(bufferevent*, void* arg) { freeConn(static_cast<Conn*>(arg)); }

void startClose(Conn* c) {
  c->closing = true;
  bufferevent_disable(c->bev, EV_READ);
  bufferevent_setcb(c->bev, nullptr, onDrained, onEvent, c);
  if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) freeConn(c);
}

std::string_view headerValue(std::string_view head, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    if (head.size() - pos < name.size() + 1) break;
    if (strncasecmp(head.data() + pos, name.data(), name.size()) == 0 && head[pos + name.size()] == ':') {
      std::size_t start = pos + name.size() + 1;
      std::size_t end = head.find("\r\n", start);
      if (end == std::string_view::npos) end = head.size();
      while (start < end && (head[start] == ' ' || head[start] == '\t')) ++start;
      while (end > start && (head[end - 1] == ' ' || head[end - 1] == '\t')) --end;
      return head.substr(start, end - start);
    }
  }
  return {};
}

void onRead(bufferevent* bev, void* arg);

// Reads the request head; answers 101 to an upgrade and 200 "ok" to anything
// else (health checks). Returns false when the connection is finished.
bool readHead(Conn* c, evbuffer* in) {
  evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, nullptr);
  if (end.pos < 0) {
    if (evbuffer_get_length(in) > kMaxHead) {
      freeConn(c);
      return false;
    }
    return true;
  }
  const auto headLen = static_cast<std::size_t>(end.pos) + 4;
  std::string_view head(reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(headLen))),
                        headLen);
  evbuffer* out = bufferevent_get_output(c->bev);
  const std::string_view key = headerValue(head, "Sec-WebSocket-Key");
  if (key.empty()) {
    evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    evbuffer_drain(in, headLen);
    startClose(c);
    return false;
  }
  const std::string accept = acceptKey(key);
  evbuffer_add_printf(out,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n",
                      accept.c_str());
  evbuffer_drain(in, headLen);
  c->upgraded = true;
  return true;
}

// Echoes every complete frame in `in`. Returns false when the connection is finished.
bool echoFrames(Conn* c, evbuffer* in) {
  evbuffer* out = bufferevent_get_output(c->bev);
  std::vector<std::uint8_t>& scratch = c->worker->scratch;
  for (;;) {
    const std::size_t avail = evbuffer_get_length(in);
    if (avail < 2) return true;
    const auto peek = static_cast<ev_ssize_t>(std::min<std::size_t>(avail, kMaxFrameHead));
    FrameHead h;
    const HeadStatus st = parseFrameHead(evbuffer_pullup(in, peek), static_cast<std::size_t>(peek), h);
    if (st == HeadStatus::NeedMore) return true;
    if (st == HeadStatus::Invalid || h.length > kMaxFrame || !h.masked) {
      freeConn(c);
      return false;
    }
    if (avail < h.headerSize + h.length) return true;
    evbuffer_drain(in, h.headerSize);
    const auto len = static_cast<std::size_t>(h.length);
    scratch.resize(kMaxFrameHead + len);
    evbuffer_remove(in, scratch.data() + kMaxFrameHead, len);
    applyMask(scratch.data() + kMaxFrameHead, len, h.mask);
    auto op = static_cast<Opcode>(h.opcode);
    if (op == Opcode::Ping) op = Opcode::Pong;
    if (op == Opcode::Pong) continue;  // unsolicited pong: nothing to answer
    std::uint8_t hdr[kMaxFrameHead];
    const std::size_t hn = writeFrameHead(hdr, h.fin, op, len, nullptr);
    // Header right before the payload in scratch: one evbuffer_add per echo.
    std::memcpy(scratch.data() + kMaxFrameHead - hn, hdr, hn);
    evbuffer_add(out, scratch.data() + kMaxFrameHead - hn, hn + len);
    if (op == Opcode::Close) {
      startClose(c);
      return false;
    }
  }
}

void onWriteLow(bufferevent* bev, void* arg) {
  // Output drained: resume reading (paused in onRead at kOutputHigh).
  bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
  bufferevent_setcb(bev, onRead, nullptr, onEvent, arg);
  bufferevent_enable(bev, EV_READ);
}

void onRead(bufferevent* bev, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  evbuffer* in = bufferevent_get_input(bev);
  if (!c->upgraded && !readHead(c, in)) return;
  if (!c->upgraded) return;
  if (!echoFrames(c, in)) return;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > kOutputHigh) {
    bufferevent_disable(bev, EV_READ);
    bufferevent_setwatermark(bev, EV_WRITE, kOutputHigh / 2, 0);
    bufferevent_setcb(bev, onRead, onWriteLow, onEvent, c);
  }
}

void onAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) {
  auto* w = static_cast<Worker*>(arg);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto* c = new Conn;
  c->worker = w;
  c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!c->bev) {
    evutil_closesocket(fd);
    delete c;
    return;
  }
  bufferevent_set_max_single_read(c->bev, 256 * 1024);
  bufferevent_set_max_single_write(c->bev, 256 * 1024);
  bufferevent_setcb(c->bev, onRead, nullptr, onEvent, c);
  bufferevent_enable(c->bev, EV_READ);
}

void onAcceptError(evconnlistener*, void*) {
  // EMFILE and friends: keep running, the client sees a refused or slow connect.
}

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--address") o.address = next("--address");
    else if (a == "--port") o.port = std::atoi(next("--port"));
    else if (a == "--threads") o.threads = std::max(1, std::atoi(next("--threads")));
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: wsedge-echo-backend [--address 127.0.0.1] [--port 0] [--threads 2]\n"
          "Prints 'LISTENING <address>:<port>' once ready; port 0 picks a free one.\n"
          "SIGINT/SIGTERM stop it.\n");
      std::exit(0);
    } else {
      std::fprintf(stderr, "unknown option %s (try --help)\n", argv[i]);
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace wsedge::bench

int main(int argc, char** argv) {
  using namespace wsedge::bench;
  Options opt;
  if (!parseOptions(argc, argv, opt)) return 2;
  signal(SIGPIPE, SIG_IGN);
  raiseFdLimit();
  evthread_use_pthreads();  // loopbreak comes from the main thread

  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  if (inet_pton(AF_INET, opt.address.c_str(), &sin.sin_addr) != 1) {
    std::fprintf(stderr, "bad address %s\n", opt.address.c_str());
    return 2;
  }
  sin.sin_port = htons(static_cast<std::uint16_t>(opt.port));

  std::vector<Worker> workers(static_cast<std::size_t>(opt.threads));
  for (auto& w : workers) {
    w.base = event_base_new();
    w.listener = evconnlistener_new_bind(w.base, onAccept, &w,
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
                                         4096, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    if (!w.listener) {
      std::fprintf(stderr, "cannot listen on %s:%d: %s\n", opt.address.c_str(), ntohs(sin.sin_port),
                   std::strerror(errno));
      return 1;
    }
    evconnlistener_set_error_cb(w.listener, onAcceptError);
    // Port 0: the first listener chose a port; the others share it (SO_REUSEPORT).
    socklen_t len = sizeof sin;
    getsockname(evconnlistener_get_fd(w.listener), reinterpret_cast<sockaddr*>(&sin), &len);
  }

  // Signals go to the main thread only, which stops every loop.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { event_base_loop(w.base, EVLOOP_NO_EXIT_ON_EMPTY); });

  std::printf("LISTENING %s:%d\n", opt.address.c_str(), ntohs(sin.sin_port));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  for (auto& w : workers) event_base_loopbreak(w.base);
  for (auto& t : threads) t.join();
  for (auto& w : workers) {
    evconnlistener_free(w.listener);
    event_base_free(w.base);  // connections still open die with the process
  }
  return 0;
}
