#include "wsedge/ws/frame_parser.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace wsedge::ws {

namespace {

constexpr std::uint8_t kRsv1 = 0b100;

bool isKnownOpcode(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

bool isData(Opcode op) { return op == Opcode::Text || op == Opcode::Binary; }

// After an error the parser stays failed: have_ holds one of these (beyond any
// real header length) so that a stray feed() repeats the verdict instead of
// parsing garbage as a header.
constexpr std::size_t kFailedProtocol = kMaxHeaderSize + 1;
constexpr std::size_t kFailedTooBig = kMaxHeaderSize + 2;

/// Header bytes after the first two: extended length, then the mask key.
std::size_t headerLengthFor(std::uint8_t byte1) {
  std::size_t n = 2;
  const std::uint8_t len7 = byte1 & 0x7F;
  if (len7 == 126) n += 2;
  else if (len7 == 127) n += 8;
  if (byte1 & 0x80) n += 4;
  return n;
}

}  // namespace

FrameParser::FrameParser(Direction dir, ParserLimits limits) : dir_(dir), limits_(limits) {}

core::FeedResult FrameParser::feed(std::string_view bytes) {
  completedMessage_ = false;
  // A header is already complete; its payload belongs to the caller.
  if (state_ != State::Header) return core::FeedResult::done(0);
  if (have_ == kFailedProtocol) return core::FeedResult::error(0, close_code::ProtocolError);
  if (have_ == kFailedTooBig) return core::FeedResult::error(0, close_code::MessageTooBig);

  const auto* in = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t consumed = 0;
  const auto fail = [this, &consumed](std::uint16_t code) {
    have_ = code == close_code::MessageTooBig ? kFailedTooBig : kFailedProtocol;
    return core::FeedResult::error(consumed, code);
  };

  // The first two bytes decide everything the early checks need; checking them
  // before the rest arrives makes the verdict independent of how bytes are split.
  if (have_ < 2) {
    const std::size_t take = std::min<std::size_t>(2 - have_, bytes.size());
    std::memcpy(raw_ + have_, in, take);
    have_ += take;
    consumed += take;
    if (have_ < 2) return core::FeedResult::needMore(consumed);
    const auto early = validate(consumed);
    if (early.status == core::ParseStatus::Error) return early;
  }

  const std::size_t need = headerLengthFor(raw_[1]);
  const std::size_t take = std::min(need - have_, bytes.size() - consumed);
  std::memcpy(raw_ + have_, in + consumed, take);
  have_ += take;
  consumed += take;
  if (have_ < need) return core::FeedResult::needMore(consumed);

  // Full header: decode it.
  FrameHeader h;
  h.fin = (raw_[0] & 0x80) != 0;
  h.rsv = static_cast<std::uint8_t>((raw_[0] >> 4) & 0x7);
  h.opcode = static_cast<Opcode>(raw_[0] & 0x0F);
  h.masked = (raw_[1] & 0x80) != 0;
  h.headerLength = need;
  const std::uint8_t len7 = raw_[1] & 0x7F;
  std::size_t pos = 2;
  if (len7 == 126) {
    h.payloadLength = (std::uint64_t{raw_[2]} << 8) | raw_[3];
    pos += 2;
  } else if (len7 == 127) {
    if (raw_[2] & 0x80) return fail(close_code::ProtocolError);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | raw_[2 + i];
    h.payloadLength = v;
    pos += 8;
  } else {
    h.payloadLength = len7;
  }
  if (h.masked) std::memcpy(h.mask.data(), raw_ + pos, 4);

  if (limits_.maxFrame != 0 && h.payloadLength > limits_.maxFrame)
    return fail(close_code::MessageTooBig);
  if (!isControl(h.opcode)) {
    // A new message starts from zero; a continuation adds to the open one.
    const std::uint64_t sofar = h.opcode == Opcode::Continuation ? messageSize_ : 0;
    if (limits_.maxMessage != 0 &&
        (sofar > limits_.maxMessage || h.payloadLength > limits_.maxMessage - sofar))
      return fail(close_code::MessageTooBig);
    if (h.opcode != Opcode::Continuation) messageOpcode_ = h.opcode;
    messageSize_ = sofar + h.payloadLength;
    // The message is "open" only until its FIN frame's header; the next header
    // after that frame's payload starts a new message.
    inMessage_ = !h.fin;
  }

  header_ = h;
  remaining_ = h.payloadLength;
  state_ = State::Payload;
  if (remaining_ == 0) finishFrame();
  return core::FeedResult::done(consumed);
}

core::FeedResult FrameParser::validate(std::size_t consumed) {
  const std::uint8_t b0 = raw_[0];
  const std::uint8_t b1 = raw_[1];
  const auto err = [this, consumed] {
    have_ = kFailedProtocol;
    return core::FeedResult::error(consumed, close_code::ProtocolError);
  };

  const std::uint8_t opbits = b0 & 0x0F;
  if (!isKnownOpcode(opbits)) return err();
  const auto op = static_cast<Opcode>(opbits);
  const bool fin = (b0 & 0x80) != 0;
  const auto rsv = static_cast<std::uint8_t>((b0 >> 4) & 0x7);

  if ((rsv & ~limits_.allowedRsv) != 0) return err();
  // permessage-deflate marks a compressed message on its first frame only.
  if ((rsv & kRsv1) != 0 && !isData(op)) return err();

  const bool masked = (b1 & 0x80) != 0;
  if (masked != (dir_ == Direction::ClientToServer)) return err();

  if (isControl(op)) {
    if (!fin || (b1 & 0x7F) > kMaxControlPayload) return err();
  } else if (op == Opcode::Continuation) {
    if (!inMessage_) return err();
  } else if (inMessage_) {
    return err();
  }
  return core::FeedResult::needMore(consumed);
}

void FrameParser::consumePayload(std::uint64_t n) {
  // Reporting zero bytes is always harmless (e.g. after a zero-length frame).
  if (n == 0) return;
  assert(state_ == State::Payload && n <= remaining_);
  if (state_ != State::Payload) return;
  remaining_ -= std::min(n, remaining_);
  if (remaining_ == 0) finishFrame();
}

void FrameParser::finishFrame() {
  state_ = State::Header;
  have_ = 0;
  if (!isControl(header_.opcode) && header_.fin) {
    completedMessage_ = true;
    messageSize_ = 0;
  }
}

}  // namespace wsedge::ws
