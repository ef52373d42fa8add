// The session's policy steps: the PROXY header on proxy_protocol listeners,
// the route's filter chain (limits, WebSocket validity, Origin, auth), the
// close_on_expiry timer and the per-connection rate limit the relay consults.
#include <event2/buffer.h>
#include <event2/event.h>
#include <netinet/in.h>

#include <cstring>

#include "wsedge/core/log.h"
#include "wsedge/policy/filter.h"
#include "wsedge/policy/proxy_protocol.h"
#include "wsedge/policy/token_bucket.h"
#include "wsedge/proxy/session.h"
#include "wsedge/ws/frame.h"
#include "scratch.h"

namespace wsedge::proxy {

namespace {


CloseReason closeReasonOf(policy::RejectReason r) {
  using R = policy::RejectReason;
  switch (r) {
    case R::NoRoute: return CloseReason::NoRoute;
    case R::UpgradeRequired: return CloseReason::NotWebSocket;
    case R::RateLimited: return CloseReason::RateLimited;
    case R::TooManyConnections: return CloseReason::TooManyConnections;
    case R::Overloaded: return CloseReason::Overloaded;
    case R::Origin: return CloseReason::Origin;
    case R::Auth: return CloseReason::Auth;
    default: return CloseReason::BadRequest;
  }
}

policy::IpAddress ipOf(const sockaddr* sa) {
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return policy::IpAddress::v6(in6->sin6_addr.s6_addr, ntohs(in6->sin6_port)).unmapped();
  }
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
  std::uint8_t b[4];
  std::memcpy(b, &in4->sin_addr, 4);
  return policy::IpAddress::v4(b, ntohs(in4->sin_port));
}

net::SockAddr sockAddrOf(const policy::IpAddress& ip) {
  net::SockAddr out;
  if (ip.family == policy::IpAddress::Family::V4) {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(ip.port);
    std::memcpy(&in4->sin_addr, ip.bytes.data(), 4);
    out.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(ip.port);
    std::memcpy(&in6->sin6_addr, ip.bytes.data(), 16);
    out.length = sizeof(sockaddr_in6);
  }
  return out;
}

timeval timevalOf(core::Duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 1000) us = 1000;  // no busy loop on a rounding remainder
  return {static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

/// Payload length announced by a complete frame header.
std::uint64_t payloadLengthOf(const std::uint8_t* h) {
  std::uint64_t len = h[1] & 0x7f;
  if (len == 126) return (std::uint64_t{h[2]} << 8) | h[3];
  if (len == 127) {
    len = 0;
    for (int i = 2; i < 10; ++i) len = (len << 8) | h[i];
  }
  return len;
}

}  // namespace

void Session::readProxyHeader() {
  // Peek, then take exactly what the parser consumed: the bytes after the
  // header (the request head, or the ClientHello on TLS listeners) stay in
  // the socket for whoever reads next. The parser consumes every byte it is
  // given until the header ends, so nothing is left to spin on meanwhile.
  std::uint8_t* buf = scratch();
  std::size_t n = client()->peek(buf, kScratchSize);
  if (n == 0) return;
  core::FeedResult r = proxyHeader_->feed({reinterpret_cast<const char*>(buf), n});
  client()->consume(r.consumed);
  if (r.status == core::ParseStatus::NeedMore) return;
  if (r.status == core::ParseStatus::Error) {
    // Not from the balancer we trust: no answer, just close.
    reason_ = CloseReason::ProxyProtocol;
    core::log::info("bad PROXY protocol header",
                    {{"worker", host_.workerId()}, {"session", id_}, {"state", "proxy_header"},
                     {"listener", listener_.name}, {"error", proxyHeader_->errorReason()}});
    finish();
    return;
  }
  // LOCAL (health checks) and UNKNOWN keep the socket's own peer.
  if (const auto& h = proxyHeader_->header(); h.hasClientAddress()) peer_ = sockAddrOf(*h.source);
  proxyHeader_.reset();
  state_ = State::ReadingHead;
  if (listener_.tls && !startClientTls()) {
    reason_ = CloseReason::TlsHandshake;
    finish();
  }
  // The head (or the ClientHello) that followed is still in the socket:
  // level-triggered readiness brings us back for it.
}

bool Session::applyPolicy(http::Request& req) {
  const auto index = static_cast<std::size_t>(routeIndex_);
  if (index >= runtime_->routePolicies.size()) return true;
  const RoutePolicy& rp = runtime_->routePolicies[index];
  policy::HandshakeContext ctx(req, ipOf(peer_.get()));
  policy::FilterResult r = rp.chain->run(ctx);
  if (r.rejected) {
    // detail is log-safe by contract ("expired", "not_allowed"): never a token.
    core::log::debug("handshake rejected",
                     {{"worker", host_.workerId()}, {"session", id_}, {"state", "policy"},
                      {"reason", policy::name(r.reason)}, {"detail", std::string_view(r.detail)}});
    reject(closeReasonOf(r.reason), r.status(), std::move(r.headers));
    return false;
  }
  lease_ = std::move(ctx.lease);
  answerBearer_ = ctx.answerBearerSubprotocol;
  if (ctx.tokenExp && rp.verifier) {
    armExpiry(*ctx.tokenExp + rp.verifier->config().leeway.count());
  }
  const config::Limits& lim = runtime_->config->limits;
  if (lim.connectionRateLimited()) {
    rate_ = std::make_unique<policy::ConnectionRateLimiter>(
        core::SteadyClock::instance(), static_cast<double>(lim.clientMessagesPerSecond),
        static_cast<double>(lim.clientMessagesBurst), static_cast<double>(lim.clientBytesPerSecond));
  }
  return true;
}

void Session::armExpiry(std::int64_t exp) {
  using namespace std::chrono;
  auto left = seconds(exp) - system_clock::now().time_since_epoch();
  if (left < core::Duration::zero()) left = core::Duration::zero();
  expiryTimer_.reset(evtimer_new(host_.base(), &Session::onExpiry, this));
  timeval tv = timevalOf(duration_cast<core::Duration>(left));
  evtimer_add(expiryTimer_.get(), &tv);
}

void Session::onExpiry(evutil_socket_t, short, void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  switch (s->state_) {
    case State::Relaying:
      s->failRelay(CloseReason::TokenExpired, ws::close_code::PolicyViolation,
                   ws::close_code::GoingAway);
      break;
    case State::Connecting:
    case State::AwaitingUpgrade: {
      // Expired while the backend answers: close right after the 101.
      timeval tv{0, 50 * 1000};
      evtimer_add(s->expiryTimer_.get(), &tv);
      break;
    }
    default: break;
  }
}

bool Session::rateAllows(const std::uint8_t* head) {
  const bool data = (head[0] & 0x08) == 0;
  const bool throttle = runtime_->config->limits.onRateExceeded == config::RateExceeded::Throttle;
  // Throttled, every frame waits (pings included: nothing overtakes); in
  // close mode only data frames count against the rate.
  if ((throttle || data) && rate_->readDelay() > core::Duration::zero()) return false;
  if (data) {
    rate_->onBytes(payloadLengthOf(head));
    if (head[0] & 0x80) rate_->onMessage();
  }
  return true;
}

void Session::onRateExceeded() {
  if (runtime_->config->limits.onRateExceeded == config::RateExceeded::Throttle) {
    // Stop reading: the kernel's buffers fill and TCP pushes back on the
    // client; the unread frames stay where they are, nothing is dropped.
    client()->setReading(false);
    if (!throttleTimer_) {
      throttleTimer_.reset(evtimer_new(host_.base(), &Session::onThrottleEnd, this));
    }
    timeval tv = timevalOf(rate_->readDelay());
    evtimer_add(throttleTimer_.get(), &tv);
    return;
  }
  client()->dropInput();
  failRelay(CloseReason::MessageRate, ws::close_code::PolicyViolation, ws::close_code::GoingAway);
}

void Session::onThrottleEnd(evutil_socket_t, short, void* ctx) {
  auto* s = static_cast<Session*>(ctx);
  if ((s->state_ != State::Relaying && s->state_ != State::Closing) || s->client() == nullptr) return;
  // Paused for backpressure too: the upstream's drain resumes reading (and
  // the Conn re-reads what waits in its input) when it gets there.
  if (s->c2s_->paused) return;
  s->client()->setReading(true);
  s->relay(true);
}

std::string Session::withBearerProtocol(evbuffer* in, std::size_t headLen) {
  std::string head(headLen, '\0');
  evbuffer_remove(in, head.data(), headLen);
  // The head ends with the empty line: the header goes just before it.
  std::size_t at = head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0
                       ? head.size() - 2
                       : head.size() - 1;
  head.insert(at, "Sec-WebSocket-Protocol: bearer\r\n");
  return head;
}

}  // namespace wsedge::proxy
