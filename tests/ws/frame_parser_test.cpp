#include "wsedge/ws/frame_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wsedge::ws {
namespace {

using core::ParseStatus;

constexpr std::uint8_t kKey[4] = {0x37, 0xfa, 0x21, 0x3d};

struct FrameSpec {
  bool fin = true;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0x1;
  std::string payload;
  bool mask = true;
  int lenForm = 0;  // 0 = minimal, 16 / 64 = force that extended form
};

/// Encodes a frame exactly as described (including invalid combinations).
std::string encode(const FrameSpec& f) {
  std::string out;
  out.push_back(static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode));
  const std::uint64_t n = f.payload.size();
  const char m = f.mask ? static_cast<char>(0x80) : 0;
  int form = f.lenForm;
  if (form == 0) form = n <= 125 ? 7 : n <= 0xFFFF ? 16 : 64;
  if (form == 7) {
    out.push_back(static_cast<char>(m | n));
  } else if (form == 16) {
    out.push_back(static_cast<char>(m | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  if (f.mask) {
    out.append(reinterpret_cast<const char*>(kKey), 4);
    std::string p = f.payload;
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>(p[i] ^ kKey[i % 4]);
    out += p;
  } else {
    out += f.payload;
  }
  return out;
}

/// A bare header with an arbitrary 64-bit length (no payload follows).
std::string header64(std::uint8_t b0, std::uint64_t len, bool mask) {
  std::string out;
  out.push_back(static_cast<char>(b0));
  out.push_back(static_cast<char>((mask ? 0x80 : 0) | 127));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  if (mask) out.append(reinterpret_cast<const char*>(kKey), 4);
  return out;
}

/// What a caller sees when driving the parser: one line per frame, one per
/// completed message, and the error code if any.
struct Trace {
  std::vector<std::string> events;
  int error = 0;
  bool operator==(const Trace&) const = default;
};

/// Drives a parser over `stream` cut into the given chunks, acting as the relay
/// does: header bytes to feed(), payload bytes moved by hand and reported.
Trace drive(FrameParser& p, const std::string& stream, const std::vector<std::size_t>& cuts) {
  Trace t;
  std::string payload;
  std::size_t pos = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(stream.size());
  auto frameDone = [&] {
    const auto& h = p.header();
    std::string unmasked = payload;
    if (h.masked)
      applyMask(reinterpret_cast<std::uint8_t*>(unmasked.data()), unmasked.size(), h.mask);
    t.events.push_back("frame fin=" + std::to_string(h.fin) + " rsv=" + std::to_string(h.rsv) +
                       " op=" + std::to_string(static_cast<int>(h.opcode)) +
                       " len=" + std::to_string(h.payloadLength) + " hl=" +
                       std::to_string(h.headerLength) + " masked=" + std::to_string(h.masked) +
                       " payload=" + unmasked);
    if (p.completedMessage())
      t.events.push_back("message op=" + std::to_string(static_cast<int>(p.messageOpcode())));
    payload.clear();
  };
  for (std::size_t end : ends) {
    while (pos < end) {
      if (p.expectingHeader()) {
        const auto r = p.feed(std::string_view(stream).substr(pos, end - pos));
        pos += r.consumed;
        if (r.status == ParseStatus::Error) {
          t.error = r.code;
          return t;
        }
        if (r.status == ParseStatus::NeedMore) {
          EXPECT_EQ(pos, end) << "NeedMore must consume all it was given";
          continue;
        }
        EXPECT_EQ(p.rawHeader().size(), p.header().headerLength);
        if (p.header().payloadLength == 0) {
          EXPECT_TRUE(p.expectingHeader());
          frameDone();
        }
      } else {
        const std::size_t n =
            std::min<std::uint64_t>(p.payloadRemaining(), static_cast<std::uint64_t>(end - pos));
        EXPECT_EQ(p.payloadOffset(), payload.size());
        payload.append(stream, pos, n);
        pos += n;
        p.consumePayload(n);
        if (p.expectingHeader()) frameDone();
      }
    }
  }
  return t;
}

/// Runs `stream` whole, split at every byte boundary, and one byte at a time;
/// asserts every run gives the same trace and returns it.
Trace runAllSplits(Direction dir, ParserLimits lim, const std::string& stream) {
  FrameParser whole(dir, lim);
  const Trace ref = drive(whole, stream, {});
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    FrameParser p(dir, lim);
    EXPECT_EQ(drive(p, stream, {cut}), ref) << "split at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  FrameParser bytewise(dir, lim);
  EXPECT_EQ(drive(bytewise, stream, every), ref) << "one byte at a time";
  return ref;
}

Trace runClient(const std::string& stream, ParserLimits lim = {}) {
  return runAllSplits(Direction::ClientToServer, lim, stream);
}

Trace runServer(const std::string& stream, ParserLimits lim = {}) {
  return runAllSplits(Direction::ServerToClient, lim, stream);
}

TEST(FrameParser, SingleTextFrame) {
  const Trace t = runClient(encode({.payload = "hello"}));
  EXPECT_EQ(t.error, 0);
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0], "frame fin=1 rsv=0 op=1 len=5 hl=6 masked=1 payload=hello");
  EXPECT_EQ(t.events[1], "message op=1");
}

TEST(FrameParser, ServerFramesUnmasked) {
  const Trace t = runServer(encode({.opcode = 2, .payload = "abc", .mask = false}));
  EXPECT_EQ(t.error, 0);
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0], "frame fin=1 rsv=0 op=2 len=3 hl=2 masked=0 payload=abc");
}

TEST(FrameParser, ValidStreamEverySplit) {
  std::string s;
  s += encode({.fin = false, .opcode = 1, .payload = "frag1-"});
  s += encode({.opcode = 9, .payload = "ping!"});  // control between fragments
  s += encode({.fin = false, .opcode = 0, .payload = ""});
  s += encode({.opcode = 0xA, .payload = ""});
  s += encode({.opcode = 0, .payload = "end"});
  s += encode({.opcode = 2, .payload = std::string(126, 'x')});
  s += encode({.opcode = 2, .payload = ""});
  s += encode({.opcode = 1, .payload = "nonminimal", .lenForm = 64});
  s += encode({.opcode = 1, .payload = "nonminimal16", .lenForm = 16});
  s += encode({.opcode = 8, .payload = std::string("\x03\xe8", 2)});
  const Trace t = runClient(s);
  EXPECT_EQ(t.error, 0);
  const std::vector<std::string> want = {
      "frame fin=0 rsv=0 op=1 len=6 hl=6 masked=1 payload=frag1-",
      "frame fin=1 rsv=0 op=9 len=5 hl=6 masked=1 payload=ping!",
      "frame fin=0 rsv=0 op=0 len=0 hl=6 masked=1 payload=",
      "frame fin=1 rsv=0 op=10 len=0 hl=6 masked=1 payload=",
      "frame fin=1 rsv=0 op=0 len=3 hl=6 masked=1 payload=end",
      "message op=1",
      "frame fin=1 rsv=0 op=2 len=126 hl=8 masked=1 payload=" + std::string(126, 'x'),
      "message op=2",
      "frame fin=1 rsv=0 op=2 len=0 hl=6 masked=1 payload=",
      "message op=2",
      "frame fin=1 rsv=0 op=1 len=10 hl=14 masked=1 payload=nonminimal",
      "message op=1",
      "frame fin=1 rsv=0 op=1 len=12 hl=8 masked=1 payload=nonminimal16",
      "message op=1",
      "frame fin=1 rsv=0 op=8 len=2 hl=6 masked=1 payload=\x03\xe8",
  };
  EXPECT_EQ(t.events, want);
}

TEST(FrameParser, PingBetweenFragmentsKeepsMessageState) {
  FrameParser p(Direction::ServerToClient, {});
  auto r = p.feed(encode({.fin = false, .opcode = 2, .payload = "", .mask = false}));
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_TRUE(p.inFragmentedMessage());
  EXPECT_FALSE(p.completedMessage());
  r = p.feed(encode({.opcode = 9, .payload = "", .mask = false}));
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(p.header().opcode, Opcode::Ping);
  EXPECT_TRUE(p.inFragmentedMessage());
  EXPECT_EQ(p.messageOpcode(), Opcode::Binary);
  EXPECT_FALSE(p.completedMessage());
  r = p.feed(encode({.opcode = 0, .payload = "", .mask = false}));
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_FALSE(p.inFragmentedMessage());
  EXPECT_TRUE(p.completedMessage());
  EXPECT_EQ(p.messageOpcode(), Opcode::Binary);
}

TEST(FrameParser, Lengths) {
  for (std::uint64_t len : {0ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 32}) {
    FrameParser p(Direction::ServerToClient, {});
    std::string h;
    if (len <= 125) {
      h = {static_cast<char>(0x82), static_cast<char>(len)};
    } else if (len <= 0xFFFF) {
      h = {static_cast<char>(0x82), 126, static_cast<char>(len >> 8), static_cast<char>(len)};
    } else {
      h = header64(0x82, len, false);
    }
    const auto r = p.feed(h + "trailing");
    ASSERT_EQ(r.status, ParseStatus::Done) << len;
    EXPECT_EQ(r.consumed, h.size()) << "header bytes only, never payload";
    EXPECT_EQ(p.header().payloadLength, len);
    EXPECT_EQ(p.header().headerLength, h.size());
    EXPECT_EQ(p.rawHeader(), h);
    if (len == 0) {
      EXPECT_TRUE(p.expectingHeader());
      EXPECT_TRUE(p.completedMessage());
      continue;
    }
    EXPECT_FALSE(p.expectingHeader());
    EXPECT_EQ(p.payloadRemaining(), len);
    // Consume in uneven pieces, as a relay would.
    std::uint64_t left = len;
    while (left > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(left, 1'000'003);
      EXPECT_FALSE(p.completedMessage());
      p.consumePayload(n);
      left -= n;
      EXPECT_EQ(p.payloadRemaining(), left);
      EXPECT_EQ(p.payloadOffset(), len - left);
    }
    EXPECT_TRUE(p.expectingHeader());
    EXPECT_TRUE(p.completedMessage());
  }
}

TEST(FrameParser, FeedInPayloadStateConsumesNothing) {
  FrameParser p(Direction::ServerToClient, {});
  ASSERT_EQ(p.feed(encode({.payload = "abc", .mask = false})).status, ParseStatus::Done);
  const auto r = p.feed("xyz");
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.status, ParseStatus::Done);
}

TEST(FrameParser, CompletedMessageResetByNextFeed) {
  FrameParser p(Direction::ServerToClient, {});
  ASSERT_EQ(p.feed(encode({.payload = "", .mask = false})).status, ParseStatus::Done);
  EXPECT_TRUE(p.completedMessage());
  const auto r = p.feed(std::string("\x81", 1));
  EXPECT_EQ(r.status, ParseStatus::NeedMore);
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_FALSE(p.completedMessage());
}

// ---- rejections, each with its exact close code, at every split ----

void expectClientError(const std::string& stream, int code, ParserLimits lim = {}) {
  const Trace t = runClient(stream, lim);
  EXPECT_EQ(t.error, code);
}

TEST(FrameParserErrors, SixtyFourBitLengthTopBit) {
  expectClientError(header64(0x82, 1ull << 63, true), 1002);
  expectClientError(header64(0x82, ~0ull, true), 1002);
  // The largest legal length passes the header check.
  FrameParser p(Direction::ClientToServer, {});
  EXPECT_EQ(p.feed(header64(0x82, (1ull << 63) - 1, true)).status, ParseStatus::Done);
}

TEST(FrameParserErrors, ControlFrameOver125) {
  for (std::uint8_t op : {0x8, 0x9, 0xA}) {
    expectClientError(encode({.opcode = op, .payload = std::string(126, 'p')}), 1002);
    // Even a small length in the 16-bit form is more than the 7-bit field allows.
    expectClientError(encode({.opcode = op, .payload = "x", .lenForm = 16}), 1002);
    // 125 is fine.
    EXPECT_EQ(runClient(encode({.opcode = op, .payload = std::string(125, 'p')})).error, 0);
  }
}

TEST(FrameParserErrors, FragmentedControlFrame) {
  for (std::uint8_t op : {0x8, 0x9, 0xA})
    expectClientError(encode({.fin = false, .opcode = op, .payload = "x"}), 1002);
}

TEST(FrameParserErrors, ReservedOpcodes) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(op);
    expectClientError(encode({.opcode = op, .payload = "x"}), 1002);
  }
}

TEST(FrameParserErrors, RsvBitsWithoutExtension) {
  for (std::uint8_t rsv : {1, 2, 4, 7}) {
    SCOPED_TRACE(rsv);
    expectClientError(encode({.rsv = rsv, .payload = "x"}), 1002);
  }
}

TEST(FrameParserErrors, Rsv1AllowedOnlyOnFirstDataFrame) {
  const ParserLimits deflate{.allowedRsv = 0b100};
  // First frame of a message: accepted.
  EXPECT_EQ(runClient(encode({.rsv = 4, .payload = "z"}), deflate).error, 0);
  std::string frag = encode({.fin = false, .rsv = 4, .payload = "a"});
  EXPECT_EQ(runClient(frag + encode({.opcode = 0, .payload = "b"}), deflate).error, 0);
  // On a continuation or a control frame: 1002.
  expectClientError(frag + encode({.rsv = 4, .opcode = 0, .payload = "b"}), 1002, deflate);
  expectClientError(encode({.rsv = 4, .opcode = 9, .payload = ""}), 1002, deflate);
  // RSV2/RSV3 are still not allowed.
  expectClientError(encode({.rsv = 2, .payload = "z"}), 1002, deflate);
}

TEST(FrameParserErrors, UnmaskedClientFrame) {
  expectClientError(encode({.payload = "x", .mask = false}), 1002);
  expectClientError(encode({.opcode = 9, .payload = "", .mask = false}), 1002);
}

TEST(FrameParserErrors, MaskedServerFrame) {
  EXPECT_EQ(runServer(encode({.payload = "x", .mask = true})).error, 1002);
}

TEST(FrameParserErrors, ContinuationWithoutStart) {
  expectClientError(encode({.opcode = 0, .payload = "x"}), 1002);
  // Also after a message was completed.
  expectClientError(encode({.payload = "a"}) + encode({.opcode = 0, .payload = "x"}), 1002);
}

TEST(FrameParserErrors, NewDataFrameInsideFragmentedMessage) {
  const std::string open = encode({.fin = false, .opcode = 1, .payload = "a"});
  expectClientError(open + encode({.opcode = 1, .payload = "b"}), 1002);
  expectClientError(open + encode({.opcode = 2, .payload = "b"}), 1002);
  expectClientError(open + encode({.opcode = 9, .payload = ""}) + encode({.opcode = 2, .payload = "b"}), 1002);
}

TEST(FrameParserErrors, FrameOverMaxFrame) {
  const ParserLimits lim{.maxFrame = 10};
  EXPECT_EQ(runClient(encode({.payload = std::string(10, 'a')}), lim).error, 0);
  expectClientError(encode({.payload = std::string(11, 'a')}), 1009, lim);
  expectClientError(header64(0x82, 1ull << 40, true), 1009, lim);
}

TEST(FrameParserErrors, MessageOverMaxMessageAcrossFragments) {
  const ParserLimits lim{.maxMessage = 10};
  std::string s = encode({.fin = false, .payload = "1234"});
  s += encode({.opcode = 9, .payload = "control frames do not count"});
  s += encode({.fin = false, .opcode = 0, .payload = "5678"});
  EXPECT_EQ(runClient(s + encode({.opcode = 0, .payload = "90"}), lim).error, 0);
  expectClientError(s + encode({.opcode = 0, .payload = "901"}), 1009, lim);
  // The count restarts with each message.
  std::string two = encode({.payload = std::string(10, 'a')}) +
                    encode({.fin = false, .payload = std::string(6, 'b')}) +
                    encode({.opcode = 0, .payload = std::string(4, 'c')});
  EXPECT_EQ(runClient(two, lim).error, 0);
  // A huge continuation length must not overflow the sum.
  expectClientError(encode({.fin = false, .payload = "1"}) + header64(0x00, (1ull << 63) - 1, true),
                    1009, lim);
}

TEST(FrameParserErrors, FrameCheckedBeforeMessage) {
  // Both limits broken by one frame: the frame limit answers (still 1009).
  expectClientError(encode({.payload = std::string(20, 'a')}), 1009,
                    {.maxFrame = 5, .maxMessage = 5});
}

TEST(FrameParserErrors, ErrorIsSticky) {
  FrameParser p(Direction::ClientToServer, {});
  const auto r = p.feed(encode({.payload = "x", .mask = false}));
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.code, 1002);
  const auto again = p.feed(encode({.payload = "x"}));
  EXPECT_EQ(again.status, ParseStatus::Error);
  EXPECT_EQ(again.code, 1002);

  FrameParser q(Direction::ClientToServer, {.maxFrame = 1});
  EXPECT_EQ(q.feed(encode({.payload = "xy"})).code, 1009);
  EXPECT_EQ(q.feed(encode({.payload = "x"})).code, 1009);
}

}  // namespace
}  // namespace wsedge::ws
