// The relay: one FrameParser per direction. One read of a side lands in the
// worker's scratch buffer; the loop parses frame headers only and forwards
// the bytes it walked with one write, unchanged (client frames stay masked).
// Control frames (<= 125 bytes) are read whole; proxy-generated closes go out
// only at frame boundaries. An incomplete header or control frame at the end
// of a read goes back into the Conn and leads the next read.
#include <event2/event.h>

#include <algorithm>

#include "wsedge/core/log.h"
#include "wsedge/proxy/session.h"
#include "wsedge/ws/frame_writer.h"
#include "handshake.h"
#include "scratch.h"

namespace wsedge::proxy {

namespace {
// Backpressure: a side's unsent output above this stops reading the other
// side until it drains below half of it. Bounds memory per connection
// whatever the peers do.
constexpr std::size_t kHighWatermark = 256 * 1024;
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
  client()->setLowWatermark(kHighWatermark / 2);
  upstream()->setLowWatermark(kHighWatermark / 2);
  client()->setReading(true);
  upstream()->setReading(true);
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
  net::Conn* in = fromClient ? client() : upstream();
  if (in == nullptr) return;
  std::uint8_t* buf = scratch();
  std::size_t n = in->read(buf, kScratchSize);
  if (n == 0) return;  // nothing now; an EOF or error is reported separately
  Flow& f = fromClient ? *c2s_ : *s2c_;
  net::Conn* out = fromClient ? upstream() : client();
  if (f.stopped || out == nullptr) return;  // read to see the peer's close, and dropped
  if (!relayBytes(fromClient, buf, n)) return;
  if (state_ == State::Closing) flushAndShutdown();
}

bool Session::relayBytes(bool fromClient, std::uint8_t* buf, std::size_t n) {
  Flow& f = fromClient ? *c2s_ : *s2c_;
  net::Conn* in = fromClient ? client() : upstream();
  net::Conn* out = fromClient ? upstream() : client();

  // [sent, pos) is walked but not written yet: frames go out unchanged, so
  // complete frames and payload pieces leave in one write.
  std::size_t pos = 0;
  std::size_t sent = 0;
  auto flush = [&] {
    if (pos == sent) return;
    out->write(buf + sent, pos - sent);
    f.bytes += pos - sent;
    sent = pos;
  };

  for (;;) {
    if (f.parser.expectingHeader()) {
      if (f.pendingClose != 0) {
        // A frame boundary: the close the proxy queued can go out now; the
        // rest of this read is never forwarded.
        flush();
        emitClose(!fromClient, f.pendingClose);
        flushAndShutdown();
        return false;
      }
      if (n - pos < 2) break;
      const std::uint8_t* head = buf + pos;
      std::size_t need = headerLengthOf(head);
      // Control frames (<= 125 bytes) are handled whole: wait for all of it.
      std::size_t whole = need;
      if ((head[0] & 0x08) && (head[1] & 0x7f) <= ws::kMaxControlPayload) whole += head[1] & 0x7f;
      if (n - pos < whole) break;  // parse whole headers only
      // Per-connection rate limit (session_policy.cpp); null when none is set.
      if (fromClient && rate_ != nullptr && !rateAllows(head)) {
        flush();  // what was allowed goes; this frame and the rest wait in the Conn
        in->unread(buf + pos, n - pos);
        onRateExceeded();
        return false;
      }
      core::FeedResult r = f.parser.feed({reinterpret_cast<const char*>(head), need});
      if (r.status == core::ParseStatus::Error) {
        flush();  // frames before the bad one are delivered first
        failFlow(fromClient, r.code);
        return false;
      }
      const ws::FrameHeader& h = f.parser.header();
      if (ws::isControl(h.opcode)) {
        auto len = static_cast<std::size_t>(h.payloadLength);
        f.parser.consumePayload(len);
        if (h.opcode != ws::Opcode::Close) {  // ping, pong: relayed as they are
          pos += need + len;
          continue;
        }
        // Unmask a copy: the frame itself goes out as it came.
        std::uint8_t payload[ws::kMaxControlPayload];
        std::copy_n(head + need, len, payload);
        if (h.masked) ws::applyMask(payload, len, h.mask);
        std::uint16_t code = 0;
        std::string_view why;
        if (!ws::parseClosePayload({reinterpret_cast<const char*>(payload), len}, code, why)) {
          flush();
          failFlow(fromClient, ws::close_code::ProtocolError);
          return false;
        }
        pos += need + len;
        flush();
        closeRelayed(fromClient, code);
        return false;
      }
      if (h.fin) f.messages++;
      pos += need;
      continue;  // a zero-length frame is complete already
    }
    std::uint64_t take = std::min<std::uint64_t>(n - pos, f.parser.payloadRemaining());
    if (take == 0) break;
    pos += static_cast<std::size_t>(take);
    f.parser.consumePayload(take);
  }
  flush();
  // An incomplete header or control frame: the next read completes it.
  if (pos < n) in->unread(buf + pos, n - pos);

  if (!f.paused && out->pending() > kHighWatermark) {
    f.paused = true;
    in->setReading(false);
  }
  return true;
}

void Session::failFlow(bool fromClient, int code) {
  Flow& f = fromClient ? *c2s_ : *s2c_;
  net::Conn* in = fromClient ? client() : upstream();
  f.stopped = true;
  if (in) in->dropInput();
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
  if (net::Conn* in = fromClient ? client() : upstream()) in->dropInput();
  if (other.closeRelayed || state_ == State::Closing) {
    beginClosing();
  } else {
    armTimer(kCloseWait);  // the other peer has this long to answer the close
  }
}

void Session::emitClose(bool toClient, std::uint16_t code) {
  Flow& f = toClient ? *s2c_ : *c2s_;
  net::Conn* out = toClient ? client() : upstream();
  f.pendingClose = 0;
  f.stopped = true;
  if (out == nullptr || f.closeRelayed) return;
  f.closeRelayed = true;
  ws::ControlFrame frame;
  if (toClient) {
    frame = ws::makeClose(code, {}, nullptr);
  } else {
    std::uint8_t key[4];
    host_.maskKey(key);
    frame = ws::makeClose(code, {}, key);
  }
  out->write(frame.bytes.data(), frame.size);
}

void Session::queueClose(bool toClient, std::uint16_t code) {
  Flow& f = toClient ? *s2c_ : *c2s_;
  net::Conn* in = toClient ? upstream() : client();
  // Mid data frame toward this side: the frame in flight is delivered first,
  // unless its source is gone, in which case the frame can never be completed.
  bool midFrame = !f.parser.expectingHeader() && !ws::isControl(f.parser.header().opcode);
  if (midFrame && in != nullptr && !f.stopped) {
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
  if ((isClient ? client() : upstream()) == nullptr) return;
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
  if (c2s_ && s2c_) {
    Flow& from = isClient ? *c2s_ : *s2c_;  // its source just left
    Flow& toward = isClient ? *s2c_ : *c2s_;  // its output just left
    // A proxy close queued behind a frame from this peer can never go out
    // (the frame will never be complete): the other peer gets our FIN only.
    if (from.pendingClose != 0) {
      from.pendingClose = 0;
      from.stopped = true;
    }
    // Nothing waits for this peer's output to drain any more: read the other
    // peer again, so that its close or EOF is seen (and its bytes dropped).
    if (toward.paused) {
      toward.paused = false;
      if (net::Conn* other = isClient ? upstream() : client()) other->setReading(true);
    }
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
    if (client() && !clientShut_ && client()->pending() == 0) {
      client()->shutdownWrite();
      clientShut_ = true;
      armTimer(kLinger);
    }
    return maybeFinish();
  }
  if (state_ != State::Closing) return;
  auto shutSide = [](net::Conn* c, const Flow& toSide, bool& shut) {
    if (c == nullptr || shut || !toSide.stopped || toSide.pendingClose != 0) return;
    if (c->pending() != 0) return;
    c->shutdownWrite();
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
  // What waits is in the kernel (or inside SSL, which the Conn checks).
  if (net::Conn* in = clientDrained ? upstream() : client()) in->setReading(true);
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
