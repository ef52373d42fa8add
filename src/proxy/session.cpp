// Session lifecycle and the handshake: read the head, route, validate, pick a
// server, connect (retry once), forward, read the backend's answer.
#include "wsedge/proxy/session.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "wsedge/core/log.h"
#include "wsedge/http/request_parser.h"
#include "wsedge/http/response_parser.h"
#include "wsedge/http/upgrade.h"
#include "wsedge/policy/proxy_protocol.h"
#include "wsedge/policy/token_bucket.h"
#include "wsedge/proxy/forward.h"
#include "buffer_feed.h"
#include "handshake.h"
#include "scratch.h"

namespace wsedge::proxy {

namespace {

/// The first `len` bytes of `in`, taken out of it.
std::string takeHead(evbuffer* in, std::size_t len) {
  std::string head(len, '\0');
  evbuffer_remove(in, head.data(), len);
  return head;
}

}  // namespace

Session::Session(SessionHost& host, const ListenerInfo& listener, std::uint64_t id,
                 evutil_socket_t fd, const sockaddr* peer, int peerLen)
    : host_(host),
      runtime_(host.runtime()),
      listener_(listener),
      id_(id),
      started_(std::chrono::steady_clock::now()) {
  std::memcpy(&peer_.storage, peer, static_cast<std::size_t>(peerLen));
  peer_.length = static_cast<socklen_t>(peerLen);
  // The Conn owns fd from here on (null only when out of memory).
  client_ = newClientTransport(fd);
  timer_.reset(evtimer_new(host.base(), &Session::onTimer, this));
  runtime_->counters->connectionsActive.fetch_add(1, std::memory_order_relaxed);
  counted_ = true;
}

Session::~Session() {
  runtime_->counters->sessionsEnded[static_cast<std::size_t>(reason_)].fetch_add(
      1, std::memory_order_relaxed);
  if (counted_) runtime_->counters->connectionsActive.fetch_sub(1, std::memory_order_relaxed);
  releaseServer();
}

void Session::releaseServer() {
  // The server keeps its name for the access log; only its count goes.
  if (server_ && serverCounted_) server_->connectionClosed();
  serverCounted_ = false;
}

void Session::start() {
  if (client() == nullptr) {
    reason_ = CloseReason::ClientGoneEarly;
    finish();
    return;
  }
  handshake_ = std::make_unique<Handshake>(runtime_->config->limits.maxRequestHead);
  client()->setCallbacks(&Session::onClientRead, &Session::onClientWrite, &Session::onClientEvent,
                         this);
  if (listener_.proxyProtocol) {
    state_ = State::ReadingProxyHeader;
    proxyHeader_ = std::make_unique<policy::ProxyProtocolParser>();
  }
  client()->setReading(true);
  armTimer(runtime_->config->timeouts.handshake);
}

void Session::armTimer(std::chrono::milliseconds d) {
  if (d.count() <= 0) {
    evtimer_del(timer_.get());
    return;
  }
  timeval tv{static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
  evtimer_add(timer_.get(), &tv);
}

// ---- libevent callbacks -------------------------------------------------------

void Session::onClientRead(void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  switch (s->state_) {
    case State::ReadingProxyHeader: s->readProxyHeader(); break;
    case State::ReadingHead: s->readHead(); break;
    case State::Relaying:
    case State::Closing: s->relay(true); break;
    default:
      // Rejecting/Passthrough: the client has nothing more to say; discard
      // (reading on, so that its close is seen and ours is not a reset).
      s->discardInput(true);
      break;
  }
}

void Session::onUpstreamRead(void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  switch (s->state_) {
    case State::AwaitingUpgrade: s->readUpgradeResponse(); break;
    case State::Passthrough: s->passthrough(); break;
    case State::Relaying:
    case State::Closing: s->relay(false); break;
    default: s->discardInput(false); break;
  }
}

void Session::discardInput(bool isClient) {
  net::Conn* c = isClient ? client() : upstream();
  if (c == nullptr) return;
  c->dropInput();
  c->read(scratch(), kScratchSize);
}

void Session::onClientWrite(void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  if (s->state_ == State::Relaying || s->state_ == State::Closing) s->resumePaused(true);
  if (s->state_ == State::Rejecting || s->state_ == State::Closing) s->flushAndShutdown();
  if (s->state_ == State::Passthrough && s->handshake_ &&
      !s->handshake_->passthroughUntilEof && s->handshake_->passthroughLeft == 0) {
    s->state_ = State::Rejecting;
    s->flushAndShutdown();
  }
}

void Session::onUpstreamWrite(void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  if (s->state_ == State::Relaying || s->state_ == State::Closing) s->resumePaused(false);
  if (s->state_ == State::Closing) s->flushAndShutdown();
}

void Session::onClientEvent(net::Conn::Event what, void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  if (what == net::Conn::Event::Connected) return;
  if (s->reason_ == CloseReason::None && s->client()->handshakePending()) {
    // Plain HTTP on a TLS port, a truncated or refused hello (version, ALPN):
    // one line per connection, at info like nginx, never per byte.
    std::string why = s->client()->tlsFailure();
    s->reason_ = CloseReason::TlsHandshake;
    core::log::info("client TLS handshake failed",
                    {{"worker", s->host_.workerId()}, {"session", s->id_}, {"state", "tls_handshake"},
                     {"listener", s->listener_.name},
                     {"error", why.empty() ? "connection closed during the handshake" : why}});
  }
  switch (s->state_) {
    case State::Relaying:
    case State::Closing: s->sideGone(true); break;
    default:
      // The client left before the upgrade was done (or while we answered it).
      if (s->reason_ == CloseReason::None) s->reason_ = CloseReason::ClientGoneEarly;
      s->finish();
      break;
  }
}

void Session::onUpstreamEvent(net::Conn::Event what, void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  if (what == net::Conn::Event::Connected) {
    // A TLS failure on the first server does not stick to a retry that worked.
    if (s->reason_ == CloseReason::TlsHandshake) s->reason_ = CloseReason::None;
    if (s->state_ == State::Connecting) s->upstreamConnected();
    return;
  }
  if (s->state_ == State::Connecting && s->upstream()->handshakePending()) {
    // Certificate or name verification, protocol mismatch...: the reason goes
    // to this line and, as reject_reason "tls_error", to the access log (502
    // unless the one retry succeeds).
    if (std::string why = s->upstream()->tlsFailure(); !why.empty()) {
      s->reason_ = CloseReason::TlsHandshake;
      core::log::warn("upstream TLS handshake failed",
                      {{"worker", s->host_.workerId()}, {"session", s->id_}, {"state", "connecting"},
                       {"pool", s->pool_->name}, {"server", s->server_->name()}, {"error", why}});
    }
  }
  switch (s->state_) {
    case State::Connecting: s->connectFailed(false); break;
    case State::AwaitingUpgrade:
      // Refused or reset before answering a byte: as good as a failed connect,
      // so the one retry on another server applies.
      if (s->handshake_->responseFed == 0 && s->upstream()->buffered() == 0) {
        s->connectFailed(false);
      } else {
        s->reject(CloseReason::UpstreamError);
      }
      break;
    case State::Passthrough:
      s->handshake_->passthroughUntilEof = false;
      s->handshake_->passthroughLeft = 0;
      s->upstream_.reset();
      s->state_ = State::Rejecting;
      s->flushAndShutdown();
      break;
    case State::Relaying:
    case State::Closing: s->sideGone(false); break;
    default: break;
  }
}

void Session::onTimer(evutil_socket_t, short, void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  switch (s->state_) {
    case State::ReadingProxyHeader:
      // No HTTP answer before the PROXY header: the balancer in front sent none.
      s->reason_ = CloseReason::HandshakeTimeout;
      s->finish();
      break;
    case State::ReadingHead:
      if (s->client()->handshakePending()) {
        // No HTTP answer is possible before TLS is up: just close.
        s->reason_ = CloseReason::HandshakeTimeout;
        s->finish();
      } else {
        s->reject(CloseReason::HandshakeTimeout);
      }
      break;
    case State::Connecting: s->connectFailed(true); break;
    case State::AwaitingUpgrade: s->reject(CloseReason::UpstreamTimeout); break;
    case State::Passthrough:
      // The backend's answer is already on its way to the client: no second
      // response, just the end of a body that did not end by itself.
      s->upstream_.reset();
      s->finish();
      break;
    case State::Relaying:
      // A close went one way and the other peer never answered it.
      s->beginClosing();
      break;
    case State::Rejecting:
    case State::Closing: s->finish(); break;  // linger over: the peer had its chance
    default: break;
  }
}

// ---- the request head -----------------------------------------------------------

void Session::readHead() {
  client()->fill();
  if (client()->buffered() == 0) return;  // nothing yet (or EOF, reported next)
  evbuffer* in = client()->input();
  std::size_t consumed = 0;
  core::FeedResult r = feedFromBuffer(in, 0, handshake_->request, consumed);
  evbuffer_drain(in, consumed);
  if (r.status == core::ParseStatus::Error) {
    CloseReason why = r.code == 431   ? CloseReason::HeadTooLarge
                      : r.code == 414 ? CloseReason::UriTooLong
                                      : CloseReason::BadRequest;
    reject(why, r.code);
    return;
  }
  if (r.status == core::ParseStatus::Done) {
    // The bytes after the head (if any) stay in the input: they are frames.
    client()->setReading(false);
    handleRequest();
  }
}

void Session::handleRequest() {
  http::Request& req = handshake_->request.request();
  path_ = std::string(req.path());
  hostHeader_ = std::string(normalizedHost(req));

  routeIndex_ = matchRoute(*runtime_->config, hostHeader_, req.path());
  if (routeIndex_ < 0) return reject(CloseReason::NoRoute);
  // Limits, WebSocket validity, Origin, auth (SPEC §3 steps 3-6); may rewrite req.
  if (!applyPolicy(req)) return;

  const auto& route = runtime_->config->routes[static_cast<std::size_t>(routeIndex_)];
  pool_ = runtime_->pools[route.poolIndex];
  handshake_->clientKey = std::string(*req.headers.get("Sec-WebSocket-Key"));
  handshake_->forwardHead =
      buildForwardHead(handshake_->request.request(), peer_.get(), listener_.tls);
  if (!pickAndConnect(nullptr)) reject(CloseReason::NoServer);
}

bool Session::pickAndConnect(const balance::Server* exclude) {
  balance::PickRequest pick;
  pick.exclude = exclude;
  std::shared_ptr<balance::Server> server = pool_->balancer->pick(pick);
  if (!server) return false;
  const net::SockAddr* addr = runtime_->addressOf(server.get());
  releaseServer();
  server_ = std::move(server);
  server_->connectionOpened();
  serverCounted_ = true;
  handshake_->attempts++;

  state_ = State::Connecting;
  upstream_ = newUpstreamTransport(*server_);
  if (upstream()) {  // null only when TLS could not be set up (out of memory)
    upstream()->setCallbacks(&Session::onUpstreamRead, &Session::onUpstreamWrite,
                             &Session::onUpstreamEvent, this);
  }
  armTimer(runtime_->config->timeouts.upstreamConnect);
  // TCP connect, then the TLS handshake if any, then Event::Connected, all
  // inside timeouts.upstream_connect.
  if (addr == nullptr || upstream() == nullptr || !upstream()->connect(addr->get(), addr->length)) {
    // Refused synchronously (e.g. no route to host): same as a failed connect,
    // but never from inside the pick itself.
    connectFailed(false);
  }
  return true;
}

void Session::connectFailed(bool timedOut) {
  upstream_.reset();
  if (server_) {
    server_->recordFailure();
    core::log::warn("upstream failed before the 101",
                    {{"worker", host_.workerId()}, {"session", id_},
                     {"state", state_ == State::Connecting ? "connecting" : "awaiting_upgrade"},
                     {"pool", pool_->name}, {"server", server_->name()}, {"timeout", timedOut}});
  }
  // One retry, on another server, before the 101. A synchronous failure of
  // the retry comes back here with attempts == 2 and ends in the reject.
  if (handshake_->attempts < 2 && pickAndConnect(server_.get())) return;
  reject(timedOut ? CloseReason::UpstreamTimeout : CloseReason::UpstreamError);
}

void Session::upstreamConnected() {
  server_->recordSuccess();
  // Small frames must not wait for Nagle and the peer's delayed ACK.
  int one = 1;
  ::setsockopt(upstream()->fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  state_ = State::AwaitingUpgrade;
  upstream()->write(handshake_->forwardHead.data(), handshake_->forwardHead.size());
  upstream()->setReading(true);
  armTimer(runtime_->config->timeouts.upstreamHandshake);
}

void Session::readUpgradeResponse() {
  upstream()->fill();
  if (upstream()->buffered() == 0) return;
  evbuffer* in = upstream()->input();
  Handshake& hs = *handshake_;
  // Feed only what was not fed before: the head stays in the buffer until it
  // is complete, so a non-101 answer can be relayed byte for byte.
  std::size_t fed = 0;
  core::FeedResult r = feedFromBuffer(in, hs.responseFed, hs.response, fed);
  hs.responseFed += fed;
  if (r.status == core::ParseStatus::NeedMore) return;
  if (r.status == core::ParseStatus::Error) return reject(CloseReason::UpstreamError);

  const http::Response& resp = hs.response.response();
  status_ = resp.status;
  if (resp.status == 101) {
    if (!http::validateUpgradeResponse(resp, hs.clientKey)) {
      core::log::warn("backend sent an invalid 101",
                      {{"worker", host_.workerId()}, {"session", id_}, {"state", "awaiting_upgrade"},
                       {"pool", pool_->name}, {"server", server_->name()}});
      status_ = 0;
      return reject(CloseReason::UpstreamError);
    }
    std::uint8_t rsv = 0;
    if (auto ext = resp.headers.get("Sec-WebSocket-Extensions");
        ext && ext->find("permessage-deflate") != std::string_view::npos) {
      rsv = 0b100;  // RSV1 carries "compressed" end to end
    }
    std::string head = answerBearer_ && !resp.headers.get("Sec-WebSocket-Protocol")
                           ? withBearerProtocol(in, hs.responseFed)
                           : takeHead(in, hs.responseFed);
    client()->write(head.data(), head.size());
    startRelay(rsv);
    return;
  }
  // Any other answer goes to the client unchanged, body included.
  reason_ = CloseReason::UpstreamRejected;
  auto cl = resp.headers.get("Content-Length");
  if (cl) {
    hs.passthroughLeft = std::strtoull(std::string(*cl).c_str(), nullptr, 10);
  } else {
    hs.passthroughUntilEof = resp.status >= 200 && resp.status != 204 && resp.status != 304;
  }
  std::string head = takeHead(in, hs.responseFed);
  client()->write(head.data(), head.size());
  state_ = State::Passthrough;
  // Read (and drop) what the client sends meanwhile, so that its FIN ends
  // the linger after our answer instead of the timer.
  client()->setReading(true);
  passthrough();
}

void Session::passthrough() {
  Handshake& hs = *handshake_;
  // What came with the head sits in the input, the rest in the socket: one
  // read per call, and as many calls as the input needs (epoll cannot see it).
  do {
    std::uint8_t* buf = scratch();
    std::size_t n = upstream()->read(buf, kScratchSize);
    std::size_t take = hs.passthroughUntilEof ? n : std::min<std::uint64_t>(n, hs.passthroughLeft);
    client()->write(buf, take);
    if (!hs.passthroughUntilEof) hs.passthroughLeft -= take;
    if (!hs.passthroughUntilEof && hs.passthroughLeft == 0) {
      upstream_.reset();
      state_ = State::Rejecting;
      flushAndShutdown();
      return;
    }
  } while (upstream()->buffered() > 0);
}

void Session::reject(CloseReason reason, int status, std::vector<http::Header> extra) {
  if (reason_ == CloseReason::None || reason_ == CloseReason::UpstreamRejected) reason_ = reason;
  if (status == 0) status = reasonStatus(reason);
  status_ = status;
  upstream_.reset();
  releaseServer();  // least_conn must not count a connection that is gone
  lease_.release();  // a rejected connection holds no per-IP or global slot
  if (status == 426) {
    extra.clear();
    extra.push_back({"Upgrade", "websocket"});
    extra.push_back({"Sec-WebSocket-Version", "13"});
  }
  std::string resp = http::buildErrorResponse(status, extra);
  client()->write(resp.data(), resp.size());
  state_ = State::Rejecting;
  // Bounded even when the client never reads the answer.
  armTimer(kLinger);
  // Keep reading (and discarding) so that unread request bytes do not turn
  // our close into a reset that could destroy the answer in flight.
  client()->setReading(true);
  flushAndShutdown();
}

void Session::drain() {
  switch (state_) {
    case State::Relaying:
      failRelay(CloseReason::Drain, ws::close_code::GoingAway, ws::close_code::GoingAway);
      break;
    case State::Closing:
    case State::Done:
      break;
    default:
      if (reason_ == CloseReason::None) reason_ = CloseReason::Drain;
      finish();
      break;
  }
}

}  // namespace wsedge::proxy
