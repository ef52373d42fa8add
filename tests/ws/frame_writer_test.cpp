#include "wsedge/ws/frame_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "wsedge/ws/frame_parser.h"

namespace wsedge::ws {
namespace {

using core::ParseStatus;

constexpr std::uint8_t kKey[4] = {0xa1, 0x02, 0x7f, 0x80};

struct Parsed {
  FrameHeader header;
  std::string payload;  // unmasked
};

/// Parses one whole frame the way the relay would; fails the test if the
/// parser does not accept it in one piece.
Parsed parseOne(const ControlFrame& f, Direction dir) {
  FrameParser p(dir, {});
  const std::string_view bytes = f.view();
  const auto r = p.feed(bytes);
  EXPECT_EQ(r.status, ParseStatus::Done);
  Parsed out;
  out.header = p.header();
  out.payload = std::string(bytes.substr(r.consumed));
  EXPECT_EQ(out.payload.size(), out.header.payloadLength);
  if (out.header.masked)
    applyMask(reinterpret_cast<std::uint8_t*>(out.payload.data()), out.payload.size(),
              out.header.mask);
  p.consumePayload(out.payload.size());
  EXPECT_TRUE(p.expectingHeader());
  return out;
}

TEST(FrameWriter, PingPongUnmaskedAndMasked) {
  for (const std::uint8_t* key : {static_cast<const std::uint8_t*>(nullptr), kKey}) {
    const Direction dir = key ? Direction::ClientToServer : Direction::ServerToClient;
    auto ping = parseOne(makePing("are you there", key), dir);
    EXPECT_EQ(ping.header.opcode, Opcode::Ping);
    EXPECT_TRUE(ping.header.fin);
    EXPECT_EQ(ping.header.masked, key != nullptr);
    EXPECT_EQ(ping.payload, "are you there");
    auto pong = parseOne(makePong("", key), dir);
    EXPECT_EQ(pong.header.opcode, Opcode::Pong);
    EXPECT_EQ(pong.payload, "");
  }
}

TEST(FrameWriter, MaskedBytesOnTheWire) {
  const ControlFrame f = makePing("ab", kKey);
  ASSERT_EQ(f.size, 2u + 4u + 2u);
  EXPECT_EQ(f.bytes[0], 0x89);
  EXPECT_EQ(f.bytes[1], 0x82);
  EXPECT_EQ(f.bytes[2], kKey[0]);
  EXPECT_EQ(f.bytes[5], kKey[3]);
  EXPECT_EQ(f.bytes[6], 'a' ^ kKey[0]);
  EXPECT_EQ(f.bytes[7], 'b' ^ kKey[1]);
  const ControlFrame u = makePing("ab", nullptr);
  EXPECT_EQ(u.view(), std::string("\x89\x02" "ab", 4));
}

TEST(FrameWriter, PayloadTruncatedTo125) {
  auto ping = parseOne(makePing(std::string(300, 'x'), nullptr), Direction::ServerToClient);
  EXPECT_EQ(ping.payload, std::string(125, 'x'));
}

TEST(FrameWriter, CloseRoundTrip) {
  for (const std::uint8_t* key : {static_cast<const std::uint8_t*>(nullptr), kKey}) {
    const Direction dir = key ? Direction::ClientToServer : Direction::ServerToClient;
    auto c = parseOne(makeClose(1001, "going away", key), dir);
    EXPECT_EQ(c.header.opcode, Opcode::Close);
    std::uint16_t code = 0;
    std::string_view reason;
    ASSERT_TRUE(parseClosePayload(c.payload, code, reason));
    EXPECT_EQ(code, 1001);
    EXPECT_EQ(reason, "going away");
  }
}

TEST(FrameWriter, CloseNoStatusHasEmptyPayload) {
  auto c = parseOne(makeClose(close_code::NoStatus, "ignored", nullptr), Direction::ServerToClient);
  EXPECT_EQ(c.payload, "");
  std::uint16_t code = 0;
  std::string_view reason;
  ASSERT_TRUE(parseClosePayload(c.payload, code, reason));
  EXPECT_EQ(code, 1005);
}

TEST(FrameWriter, CloseReasonCutOnUtf8Boundary) {
  // 122 ASCII bytes then a 3-byte character: 125 bytes would split it.
  const std::string reason = std::string(122, 'r') + "\xe2\x82\xac" + "tail";
  auto c = parseOne(makeClose(1008, reason, kKey), Direction::ClientToServer);
  EXPECT_EQ(c.payload.size(), 2u + 122u);
  std::uint16_t code = 0;
  std::string_view got;
  ASSERT_TRUE(parseClosePayload(c.payload, code, got));
  EXPECT_EQ(code, 1008);
  EXPECT_EQ(got, std::string(122, 'r'));
  // Exactly 123 bytes fit whole.
  const std::string fits = std::string(120, 'r') + "\xe2\x82\xac";
  auto d = parseOne(makeClose(1000, fits, nullptr), Direction::ServerToClient);
  EXPECT_EQ(d.payload.size(), 125u);
}

TEST(ParseClosePayload, Rules) {
  std::uint16_t code = 0;
  std::string_view reason;
  EXPECT_TRUE(parseClosePayload("", code, reason));
  EXPECT_EQ(code, close_code::NoStatus);
  EXPECT_FALSE(parseClosePayload(std::string("\x03", 1), code, reason));
  EXPECT_TRUE(parseClosePayload(std::string("\x03\xe8", 2), code, reason));
  EXPECT_EQ(code, 1000);
  EXPECT_EQ(reason, "");
  const std::string bye("\x0f\xa0" "bye", 5);  // 4000; reason views into it
  EXPECT_TRUE(parseClosePayload(bye, code, reason));
  EXPECT_EQ(code, 4000);
  EXPECT_EQ(reason, "bye");
  // Codes not allowed on the wire.
  for (std::uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 2000, 5000}) {
    const std::string p{static_cast<char>(bad >> 8), static_cast<char>(bad & 0xFF)};
    EXPECT_FALSE(parseClosePayload(p, code, reason)) << bad;
  }
}

TEST(ParseClosePayload, ReasonMustBeUtf8) {
  std::uint16_t code = 0;
  std::string_view reason;
  const std::string head("\x03\xe8", 2);
  EXPECT_TRUE(parseClosePayload(head + "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", code, reason));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "ok\xe2\x82"}) {
    EXPECT_FALSE(parseClosePayload(head + bad, code, reason)) << bad;
  }
}

}  // namespace
}  // namespace wsedge::ws
