// The relay: one FrameParser per direction; frame headers are parsed, payload
// bytes are moved between evbuffers by reference (evbuffer_remove_buffer), never
// copied or unmasked, except control frames (<= 125 bytes) which the proxy must
// read. Proxy-generated closes go out only at frame boundaries.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>

#include <algorithm>

#include "wsedge/core/log.h"
#include "wsedge/proxy/session.h"
#include "wsedge/ws/frame_writer.h"
#include "handshake.h"

namespace wsedge::proxy {

namespace {
// Backpressure: a side's output above this stops reading the other side until
// it drains below half of it. Bounds memory per connection whatever the peers do.
constexpr std::size_t kHighWatermark = 256 * 1024;
constexpr std::size_t kMaxSingleRead = 64 * 1024;
}  // namespace

void Session::startRelay(std::uint8_t allowedRsv) {
  handshake_.reset();
  state_ = State::Relaying;
  armTimer(std::chrono::milliseconds(0));
  ws::ParserLimits limits{runtime_->config->limits.maxFrame, runtime_->config->limits.maxMessage,
                          allowedRsv};
  c2s_ = std::make_unique<Flow>(ws::Direction::ClientToServer, limits);
  s2c_ = std::make_unique<Flow>(ws::Direction::ServerToClient, limits);
  // The write callbacks fire when an output drains to half the high watermark.
  bufferevent_setwatermark(client(), EV_WRITE, kHighWatermark / 2, 0);
  bufferevent_setwatermark(upstream(), EV_WRITE, kHighWatermark / 2, 0);
  bufferevent_enable(client(), EV_READ);
  bufferevent_enable(upstream(), EV_READ);
  // Plain sockets: the relay writes itself (pushOut) and EV_WRITE is only
  // armed while the kernel refuses bytes; reads take up to 64 KiB at a time.
  clientDirect_ = writesDirectly(client());
  upstreamDirect_ = writesDirectly(upstream());
  for (auto [bev, direct] : {std::pair{client(), clientDirect_}, std::pair{upstream(), upstreamDirect_}}) {
    if (!direct) continue;
    bufferevent_set_max_single_read(bev, kMaxSingleRead);
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) bufferevent_disable(bev, EV_WRITE);
  }
  // Bytes that came with the request head or the 101 are frames: relay them now.
  relay(true);
  if (state_ != State::Done) relay(false);
}

namespace {

/// Header length announced by the first two bytes of a frame.
std::size_t headerLengthOf(const std::uint8_t* b) {
  std::size_t n = 2;
  std::uint8_t len = b[1] & 0x7f;
  if (len == 126) n += 2;
  if (len == 127) n += 8;
  if (b[1] & 0x80) n += 4;
  return n;
}

}  // namespace

void Session::relay(bool fromClient) {
  Flow& f = fromClient ? *c2s_ : *s2c_;
  bufferevent* inBev = fromClient ? client() : upstream();
  bufferevent* outBev = fromClient ? upstream() : client();
  if (inBev == nullptr) return;
  evbuffer* in = bufferevent_get_input(inBev);
  if (f.stopped || outBev == nullptr) {
    evbuffer_drain(in, evbuffer_get_length(in));
    return;
  }
  evbuffer* out = bufferevent_get_output(outBev);

  // Frames are forwarded unchanged, so the loop only walks the input (`pos` is
  // how far it got) and one evbuffer_remove_buffer moves every complete frame
  // and payload piece at the end: chains by reference, no copy, no unmasking.
  std::size_t pos = 0;
  std::size_t avail = evbuffer_get_length(in);
  auto flush = [&] {
    if (pos == 0) return;
    evbuffer_remove_buffer(in, out, pos);
    f.bytes += pos;
    avail -= pos;
    pos = 0;
    // May resume this very flow (and relay more of `in`) when it was paused:
    // every caller of flush() returns or stops walking right after it.
    pushOut(!fromClient);
  };
  auto copyAt = [&](std::size_t at, void* dst, std::size_t len) {
    evbuffer_ptr p;
    evbuffer_ptr_set(in, &p, at, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &p, dst, len);
  };

  for (;;) {
    if (f.parser.expectingHeader()) {
      if (f.pendingClose != 0) {
        // A frame boundary: the close the proxy queued can go out now.
        flush();
        emitClose(!fromClient, f.pendingClose);
        evbuffer_drain(in, evbuffer_get_length(in));
        flushAndShutdown();
        return;
      }
      if (avail - pos < 2) break;
      std::uint8_t head[ws::kMaxHeaderSize];
      copyAt(pos, head, 2);
      std::size_t need = headerLengthOf(head);
      // Control frames (<= 125 bytes) are handled whole: wait for all of it.
      std::size_t whole = need;
      if ((head[0] & 0x08) && (head[1] & 0x7f) <= ws::kMaxControlPayload) whole += head[1] & 0x7f;
      if (avail - pos < whole) break;  // parse whole headers only
      if (need > 2) copyAt(pos + 2, head + 2, need - 2);
      // Per-connection rate limit (session_policy.cpp); null when none is set.
      if (fromClient && rate_ != nullptr && !rateAllows(head)) {
        flush();  // what was allowed goes; this frame stays unread in `in`
        return onRateExceeded();
      }
      core::FeedResult r = f.parser.feed({reinterpret_cast<const char*>(head), need});
      if (r.status == core::ParseStatus::Error) {
        flush();  // frames before the bad one are delivered first
        failFlow(fromClient, r.code);
        return;
      }
      const ws::FrameHeader& h = f.parser.header();
      if (ws::isControl(h.opcode)) {
        auto len = static_cast<std::size_t>(h.payloadLength);
        std::uint8_t payload[ws::kMaxControlPayload];
        copyAt(pos + need, payload, len);
        f.parser.consumePayload(len);
        if (h.opcode != ws::Opcode::Close) {  // ping, pong: relayed as they are
          pos += need + len;
          continue;
        }
        if (h.masked) ws::applyMask(payload, len, h.mask);
        std::uint16_t code = 0;
        std::string_view why;
        if (!ws::parseClosePayload({reinterpret_cast<const char*>(payload), len}, code, why)) {
          flush();
          failFlow(fromClient, ws::close_code::ProtocolError);
          return;
        }
        pos += need + len;
        flush();
        closeRelayed(fromClient, code);
        return;
      }
      if (h.fin) f.messages++;
      pos += need;
      continue;  // a zero-length frame is complete already
    }
    std::uint64_t take = std::min<std::uint64_t>(avail - pos, f.parser.payloadRemaining());
    if (take == 0) break;
    pos += static_cast<std::size_t>(take);
    f.parser.consumePayload(take);
  }
  flush();

  if (!f.paused && evbuffer_get_length(out) > kHighWatermark) {
    f.paused = true;
    bufferevent_disable(inBev, EV_READ);
  }
}

void Session::failFlow(bool fromClient, int code) {
  Flow& f = fromClient ? *c2s_ : *s2c_;
  bufferevent* inBev = fromClient ? client() : upstream();
  f.stopped = true;
  if (inBev) {
    evbuffer* in = bufferevent_get_input(inBev);
    evbuffer_drain(in, evbuffer_get_length(in));
  }
  if (code == ws::close_code::MessageTooBig) {
    failRelay(CloseReason::MessageTooBig, ws::close_code::MessageTooBig, ws::close_code::GoingAway);
  } else if (fromClient) {
    failRelay(CloseReason::ClientProtocol, static_cast<std::uint16_t>(code),
              ws::close_code::GoingAway);
  } else {
    failRelay(CloseReason::ServerProtocol, ws::close_code::BadGateway,
              static_cast<std::uint16_t>(code));
  }
}

void Session::closeRelayed(bool fromClient, std::uint16_t code) {
  Flow& f = fromClient ? *c2s_ : *s2c_;
  Flow& other = fromClient ? *s2c_ : *c2s_;
  if (!c2s_->closeRelayed && !s2c_->closeRelayed) {
    closeCode_ = code;
    (fromClient ? closedByClient_ : closedByServer_) = true;
    if (reason_ == CloseReason::None) reason_ = CloseReason::NormalClose;
  }
  // Nothing may follow a close frame in this direction.
  f.closeRelayed = true;
  f.stopped = true;
  bufferevent* inBev = fromClient ? client() : upstream();
  evbuffer* in = bufferevent_get_input(inBev);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (other.closeRelayed || state_ == State::Closing) {
    beginClosing();
  } else {
    armTimer(kCloseWait);  // the other peer has this long to answer the close
  }
}

void Session::emitClose(bool toClient, std::uint16_t code) {
  Flow& f = toClient ? *s2c_ : *c2s_;
  bufferevent* outBev = toClient ? client() : upstream();
  f.pendingClose = 0;
  f.stopped = true;
  if (outBev == nullptr || f.closeRelayed) return;
  f.closeRelayed = true;
  ws::ControlFrame frame;
  if (toClient) {
    frame = ws::makeClose(code, {}, nullptr);
  } else {
    std::uint8_t key[4];
    host_.maskKey(key);
    frame = ws::makeClose(code, {}, key);
  }
  evbuffer_add(bufferevent_get_output(outBev), frame.bytes.data(), frame.size);
  pushOut(toClient);
}

void Session::queueClose(bool toClient, std::uint16_t code) {
  Flow& f = toClient ? *s2c_ : *c2s_;
  bufferevent* inBev = toClient ? upstream() : client();
  // Mid data frame toward this side: the frame in flight is delivered first,
  // unless its source is gone, in which case the frame can never be completed.
  bool midFrame = !f.parser.expectingHeader() && !ws::isControl(f.parser.header().opcode);
  if (midFrame && inBev != nullptr && !f.stopped) {
    f.pendingClose = code;
    return;
  }
  if (midFrame) {
    f.stopped = true;
    return;
  }
  emitClose(toClient, code);
}

void Session::failRelay(CloseReason reason, std::uint16_t toClient, std::uint16_t toUpstream) {
  if (state_ != State::Relaying) return;
  reason_ = reason;
  closeCode_ = toClient;
  closedByClient_ = closedByServer_ = false;
  queueClose(true, toClient);
  queueClose(false, toUpstream);
  core::log::debug("closing session",
                   {{"worker", host_.workerId()}, {"session", id_}, {"state", "relaying"},
                    {"reason", reasonName(reason)}, {"client_code", toClient},
                    {"upstream_code", toUpstream}});
  beginClosing();
}

void Session::sideGone(bool isClient) {
  bufferevent* bev = isClient ? client() : upstream();
  if (bev == nullptr) return;
  (isClient ? clientEof_ : upstreamEof_) = true;
  // The peer is gone: nothing more can be written to it, and a frame it was
  // sending can never be completed (so no close waits for it). Its input has
  // been relayed already (read callbacks run before the event).
  if (isClient) {
    client_.reset();
  } else {
    upstream_.reset();
    releaseServer();
  }
  // After its own close frame, EOF from a peer is the normal end.
  bool closedFirst = isClient ? c2s_ && c2s_->closeRelayed : s2c_ && s2c_->closeRelayed;
  if (state_ == State::Relaying && !closedFirst) {
    if (isClient) {
      reason_ = CloseReason::ClientGone;
      closedByClient_ = true;
      s2c_->stopped = true;
      queueClose(false, ws::close_code::GoingAway);
    } else {
      reason_ = CloseReason::UpstreamGone;
      closedByServer_ = true;
      closeCode_ = ws::close_code::BadGateway;
      c2s_->stopped = true;
      queueClose(true, ws::close_code::BadGateway);
    }
  }
  if (state_ == State::Relaying) {
    beginClosing();
  } else {
    flushAndShutdown();
  }
}

void Session::beginClosing() {
  if (state_ != State::Closing) {
    state_ = State::Closing;
    armTimer(kLinger);
  }
  flushAndShutdown();
}

void Session::flushAndShutdown() {
  if (state_ == State::Rejecting) {
    if (client() && !clientShut_ &&
        evbuffer_get_length(bufferevent_get_output(client())) == 0) {
      shutdownWrite(client());
      clientShut_ = true;
      armTimer(kLinger);
    }
    return maybeFinish();
  }
  if (state_ != State::Closing) return;
  auto shutSide = [](bufferevent* bev, const Flow& toSide, bool& shut) {
    if (bev == nullptr || shut || !toSide.stopped || toSide.pendingClose != 0) return;
    if (evbuffer_get_length(bufferevent_get_output(bev)) != 0) return;
    shutdownWrite(bev);
    shut = true;
  };
  shutSide(client(), *s2c_, clientShut_);
  shutSide(upstream(), *c2s_, upstreamShut_);
  maybeFinish();
}

void Session::maybeFinish() {
  if (state_ == State::Rejecting) {
    if (client() == nullptr) finish();
    return;
  }
  if (state_ == State::Closing && client() == nullptr && upstream() == nullptr) finish();
}

void Session::resumePaused(bool clientDrained) {
  Flow* f = clientDrained ? s2c_.get() : c2s_.get();
  if (f == nullptr || !f->paused) return;
  f->paused = false;
  bufferevent* inBev = clientDrained ? upstream() : client();
  if (inBev == nullptr) return;
  bufferevent_enable(inBev, EV_READ);
  relay(!clientDrained);
}

void Session::finish() {
  if (state_ == State::Done) return;
  state_ = State::Done;
  evtimer_del(timer_.get());
  writeAccessLog();
  client_.reset();
  upstream_.reset();
  host_.retire(this);
}

}  // namespace wsedge::proxy
