#pragma once
// Incremental frame-header parser and message-sequence validator for one
// direction of a WebSocket connection. Pure: it sees header bytes only; the
// caller moves payload bytes itself (zero-copy) and reports how many it moved
// with consumePayload(). Its state is a few dozen bytes, no allocation.
//
// Use:
//   in Header state: feed(bytes) consumes header bytes (it buffers a partial
//   header internally, at most 14 bytes). Done = a complete, valid header is in
//   header(); the caller then handles payloadRemaining() bytes and calls
//   consumePayload(n) as it forwards them; when the frame's payload is all
//   consumed the parser returns to Header state by itself (a zero-length frame
//   returns at once: the next feed parses the next header).
//   Error = protocol violation, code is the close code to send (1002 or 1009).
#include <cstdint>
#include <string_view>

#include "wsedge/core/result.h"
#include "wsedge/ws/frame.h"

namespace wsedge::ws {

enum class Direction {
  ClientToServer,  // frames must be masked
  ServerToClient,  // frames must not be masked
};

struct ParserLimits {
  std::uint64_t maxFrame = 0;    // payload bytes of one frame; 0 = no limit
  std::uint64_t maxMessage = 0;  // payload bytes of one (reassembled) message; 0 = no limit
  std::uint8_t allowedRsv = 0;   // RSV bits a negotiated extension allows (RSV1 = 0b100)
};

class FrameParser {
 public:
  FrameParser(Direction dir, ParserLimits limits);

  /// Feeds header bytes (only valid while expectingHeader()). See file comment.
  /// Errors: 1002 for masking in the wrong direction, RSV bits not allowed,
  /// reserved opcodes, control frame fragmented or > 125 bytes, continuation
  /// without a started message, a new data frame inside a fragmented message,
  /// a 64-bit length with the top bit set, a non-minimal length encoding is
  /// accepted (RFC 6455 says "MUST" for senders only, receivers tolerate it);
  /// 1009 when the frame or the message would exceed the limits.
  core::FeedResult feed(std::string_view bytes);

  bool expectingHeader() const { return state_ == State::Header; }
  /// The header of the frame whose payload is in progress (valid after Done).
  const FrameHeader& header() const { return header_; }
  /// The raw header bytes as received (header().headerLength of them).
  std::string_view rawHeader() const {
    return {reinterpret_cast<const char*>(raw_), header_.headerLength};
  }
  std::uint64_t payloadRemaining() const { return remaining_; }
  /// Offset of the next payload byte within the current frame (for unmasking).
  std::uint64_t payloadOffset() const { return header_.payloadLength - remaining_; }
  /// Reports n payload bytes handled by the caller (n <= payloadRemaining()).
  void consumePayload(std::uint64_t n);

  /// True while a fragmented data message is open (between a non-FIN data frame
  /// and the FIN continuation).
  bool inFragmentedMessage() const { return inMessage_; }
  /// Opcode of the current data message (Text/Binary), valid while in a message.
  Opcode messageOpcode() const { return messageOpcode_; }
  /// True when the frame just completed ended a data message (FIN set); valid
  /// until the next feed(). For counting messages.
  bool completedMessage() const { return completedMessage_; }

 private:
  enum class State { Header, Payload };
  core::FeedResult validate(std::size_t consumed);
  void finishFrame();

  Direction dir_;
  ParserLimits limits_;
  State state_ = State::Header;
  std::uint8_t raw_[kMaxHeaderSize]{};
  std::size_t have_ = 0;
  FrameHeader header_;
  std::uint64_t remaining_ = 0;
  std::uint64_t messageSize_ = 0;
  bool inMessage_ = false;
  Opcode messageOpcode_ = Opcode::Text;
  bool completedMessage_ = false;
};

}  // namespace wsedge::ws
