#pragma once
// A Session is one client connection and its backend partner, from accept to
// the access-log line. It is the only place that orchestrates I/O for a
// connection; it never leaves the worker thread that accepted it.
//
//   ReadingHead -> Connecting -> AwaitingUpgrade -> Relaying -> Closing -> Done
//         \______________\______________\_____ Rejecting (HTTP answer) _/
//
// Ownership: the worker owns sessions (SessionHost::retire() takes them back).
// The session owns both net::Conns (destroying one closes its socket) and its
// timer.
#include <event2/util.h>

#include <cstdint>
#include <memory>
#include <string>

#include "wsedge/core/clock.h"
#include "wsedge/core/handles.h"
#include "wsedge/http/headers.h"
#include "wsedge/http/request_parser.h"
#include "wsedge/net/address.h"
#include "wsedge/net/conn.h"
#include "wsedge/policy/ip_limiter.h"
#include "wsedge/proxy/access_log.h"
#include "wsedge/proxy/close_reason.h"
#include "wsedge/proxy/runtime.h"
#include "wsedge/ws/frame_parser.h"

struct evbuffer;

namespace wsedge::policy {
class ConnectionRateLimiter;
class ProxyProtocolParser;
}  // namespace wsedge::policy

namespace wsedge::proxy {

class Session;

/// What a session needs from the worker that owns it. Worker thread only.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  virtual event_base* base() = 0;
  virtual const RuntimePtr& runtime() const = 0;
  virtual AccessLog& accessLog() = 0;
  virtual unsigned workerId() const = 0;
  /// The session is finished: the host destroys it later, outside its callbacks.
  virtual void retire(Session* s) = 0;
  /// A fresh 4-byte masking key for frames the proxy sends upstream.
  virtual void maskKey(std::uint8_t out[4]) = 0;
};

struct ListenerInfo {
  std::string name;
  std::size_t index = 0;  // into Config::listeners
  bool tls = false;
  bool proxyProtocol = false;  // a PROXY v1/v2 header comes first (session reads it)
};

class Session {
 public:
  Session(SessionHost& host, const ListenerInfo& listener, std::uint64_t id, evutil_socket_t fd,
          const sockaddr* peer, int peerLen);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Starts reading the request head.
  void start();
  /// Proxy shutdown: relayed sessions get close 1001 on both sides (at frame
  /// boundaries); sessions still in the handshake are closed.
  void drain();
  bool finished() const { return state_ == State::Done; }

 private:
  /// How long a closing or rejected peer may take to read our last bytes and
  /// close its end, whatever it does: no session outlives this.
  static constexpr std::chrono::milliseconds kLinger{3000};
  /// How long, after a close frame went one way, the other peer has to answer it.
  static constexpr std::chrono::milliseconds kCloseWait{5000};

  enum class State : std::uint8_t {
    ReadingProxyHeader, ReadingHead, Connecting, AwaitingUpgrade, Passthrough, Relaying, Rejecting, Closing, Done
  };
  struct Handshake;

  /// One direction of the relay: frames read from `in` are written to `out`.
  struct Flow {
    Flow(ws::Direction d, ws::ParserLimits l) : parser(d, l) {}
    ws::FrameParser parser;
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    std::uint16_t pendingClose = 0;  // a proxy close waiting for a frame boundary on `out`
    bool closeRelayed = false;       // a close frame went through this flow
    bool stopped = false;            // nothing more is forwarded
    bool paused = false;             // `in` not read until `out` drains (backpressure)
  };

  // Conn and libevent trampolines.
  static void onClientRead(void* ctx);
  static void onClientWrite(void* ctx);
  static void onClientEvent(net::Conn::Event what, void* ctx);
  static void onUpstreamRead(void* ctx);
  static void onUpstreamWrite(void* ctx);
  static void onUpstreamEvent(net::Conn::Event what, void* ctx);
  static void onTimer(evutil_socket_t, short, void* ctx);

  // Handshake (session.cpp).
  void readHead();
  void handleRequest();
  bool pickAndConnect(const balance::Server* exclude);
  void connectFailed(bool timedOut);
  void upstreamConnected();
  void readUpgradeResponse();
  void passthrough();
  void reject(CloseReason reason, int status = 0, std::vector<http::Header> extra = {});
  void armTimer(std::chrono::milliseconds d);
  /// Gives server_'s active-connection slot back (once); server_ stays for the log.
  void releaseServer();

  // Policy (session_policy.cpp): PROXY header, filter chain, token expiry,
  // per-connection rate limits.
  void readProxyHeader();
  /// Runs the route's filter chain; false when the request was rejected.
  bool applyPolicy(http::Request& req);
  void armExpiry(std::int64_t exp);
  static void onExpiry(evutil_socket_t, short, void* ctx);
  /// Relay hook: may the client frame whose header starts `head` go now?
  /// Counts it when yes. Only called when rate_ is set.
  bool rateAllows(const std::uint8_t* head);
  /// The frame was refused: pause reading (throttle) or close 1008 / 1001.
  void onRateExceeded();
  static void onThrottleEnd(evutil_socket_t, short, void* ctx);
  /// The 101 head (the first `headLen` bytes of `in`) with
  /// `Sec-WebSocket-Protocol: bearer` added, for a 101 that selected none.
  static std::string withBearerProtocol(evbuffer* in, std::size_t headLen);

  // Relay and close (relay.cpp).
  void startRelay(std::uint8_t allowedRsv);
  /// One read from that side, its frames forwarded to the other.
  void relay(bool fromClient);
  /// Walks the frames in `buf` and forwards them; returns false when the
  /// session stopped relaying this read (close, error, rate limit).
  bool relayBytes(bool fromClient, std::uint8_t* buf, std::size_t n);
  /// Reads from that side and drops the bytes (nobody wants them any more).
  void discardInput(bool client);
  /// The peer on `fromClient`'s side broke RFC 6455 (or a limit): `code` is
  /// the parser's close code.
  void failFlow(bool fromClient, int code);
  /// A valid close frame went through; once both ways, the session closes.
  void closeRelayed(bool fromClient, std::uint16_t code);
  void queueClose(bool toClient, std::uint16_t code);
  void emitClose(bool toClient, std::uint16_t code);
  void failRelay(CloseReason reason, std::uint16_t toClient, std::uint16_t toUpstream);
  void sideGone(bool client);
  void beginClosing();
  void flushAndShutdown();
  void maybeFinish();
  void resumePaused(bool clientDrained);
  void finish();
  void writeAccessLog();

  // Transport (transport.cpp): which Conn each side gets, plain or TLS.
  /// The client's Conn on the accepted fd (owns fd from then on).
  std::unique_ptr<net::Conn> newClientTransport(evutil_socket_t fd);
  /// An unconnected Conn toward `server` (null if TLS cannot be set up).
  std::unique_ptr<net::Conn> newUpstreamTransport(const balance::Server& server);
  /// TLS listeners with a PROXY header: puts TLS over the client connection
  /// once the header is read. False when TLS cannot be set up.
  bool startClientTls();

  net::Conn* client() const { return client_.get(); }
  net::Conn* upstream() const { return upstream_.get(); }

  SessionHost& host_;
  RuntimePtr runtime_;
  const ListenerInfo& listener_;
  std::uint64_t id_;
  net::SockAddr peer_;
  core::TimePoint started_;
  State state_ = State::ReadingHead;
  CloseReason reason_ = CloseReason::None;

  std::unique_ptr<net::Conn> client_;
  std::unique_ptr<net::Conn> upstream_;
  core::EventPtr timer_;
  std::unique_ptr<Handshake> handshake_;     // freed once relaying
  std::unique_ptr<Flow> c2s_;                // client -> upstream, made at the 101
  std::unique_ptr<Flow> s2c_;                // upstream -> client
  std::shared_ptr<balance::Server> server_;  // counted in its active connections
  std::shared_ptr<balance::PoolRuntime> pool_;

  // For the access log.
  std::string hostHeader_;
  std::string path_;
  int routeIndex_ = -1;
  int status_ = 0;
  std::uint16_t closeCode_ = 0;
  bool closedByClient_ = false;
  bool closedByServer_ = false;

  // Closing bookkeeping.
  bool clientEof_ = false;
  bool upstreamEof_ = false;
  bool clientShut_ = false;
  bool upstreamShut_ = false;
  bool counted_ = false;         // in SharedCounters::connectionsActive
  bool serverCounted_ = false;  // in server_'s active connections

  // Policy.
  std::unique_ptr<policy::ProxyProtocolParser> proxyHeader_;  // only until it is read
  policy::IpLease lease_;                                     // per-IP and global slots
  std::unique_ptr<policy::ConnectionRateLimiter> rate_;       // null = no rate limit
  core::EventPtr expiryTimer_;                                // close_on_expiry
  core::EventPtr throttleTimer_;                              // resumes a throttled client
  bool answerBearer_ = false;  // token came by subprotocol: complete the 101
};

}  // namespace wsedge::proxy
