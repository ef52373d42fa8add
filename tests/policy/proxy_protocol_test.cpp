#include "wsedge/policy/proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>

using wsedge::core::ParseStatus;
using wsedge::policy::ProxyHeader;
using wsedge::policy::ProxyProtocolParser;

namespace {

struct Outcome {
  ParseStatus status;
  std::size_t consumed;  // total over all feeds
  ProxyHeader header;
};

// Feeds `input` in pieces split at `split` (whole input when split == npos)
// and stops at the first Done/Error, like a caller would.
Outcome run(const std::string& input, std::size_t split = std::string::npos) {
  ProxyProtocolParser p;
  std::size_t total = 0;
  std::vector<std::string_view> pieces;
  std::string_view all(input);
  if (split == std::string::npos || split >= input.size()) {
    pieces.push_back(all);
  } else {
    pieces.push_back(all.substr(0, split));
    pieces.push_back(all.substr(split));
  }
  wsedge::core::FeedResult r;
  for (auto piece : pieces) {
    r = p.feed(piece);
    total += r.consumed;
    if (r.status != ParseStatus::NeedMore) break;
  }
  if (r.status == ParseStatus::Error) {
    EXPECT_EQ(r.code, 400);
  }
  return {r.status, total, p.header()};
}

// Every split gives the same answer as the whole, and byte-at-a-time too.
Outcome runAllSplits(const std::string& input) {
  const Outcome whole = run(input);
  for (std::size_t i = 1; i < input.size(); ++i) {
    const Outcome o = run(input, i);
    EXPECT_EQ(o.status, whole.status) << "split " << i;
    if (whole.status == ParseStatus::Done) {
      EXPECT_EQ(o.consumed, whole.consumed) << "split " << i;
    }
  }
  ProxyProtocolParser p;
  ParseStatus st = ParseStatus::NeedMore;
  std::size_t total = 0;
  for (std::size_t i = 0; i < input.size() && st == ParseStatus::NeedMore; ++i) {
    auto r = p.feed(std::string_view(input).substr(i, 1));
    total += r.consumed;
    st = r.status;
  }
  EXPECT_EQ(st, whole.status);
  if (whole.status == ParseStatus::Done) {
    EXPECT_EQ(total, whole.consumed);
  }
  return whole;
}

std::string v2(std::uint8_t verCmd, std::uint8_t fam, const std::string& body) {
  std::string s("\r\n\r\n\0\r\nQUIT\n", 12);
  s.push_back(static_cast<char>(verCmd));
  s.push_back(static_cast<char>(fam));
  s.push_back(static_cast<char>(body.size() >> 8));
  s.push_back(static_cast<char>(body.size() & 0xff));
  return s + body;
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

}  // namespace

TEST(ProxyV1, Tcp4) {
  const std::string hdr = "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n";
  const auto o = runAllSplits(hdr + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, hdr.size());  // the request after it is not consumed
  ASSERT_TRUE(o.header.hasClientAddress());
  EXPECT_EQ(o.header.version, ProxyHeader::Version::V1);
  EXPECT_EQ(o.header.family, ProxyHeader::Family::V4);
  EXPECT_EQ(o.header.source->toString(), "192.0.2.10");
  EXPECT_EQ(o.header.source->port, 56324);
  EXPECT_EQ(o.header.destination->toString(), "198.51.100.1");
  EXPECT_EQ(o.header.destination->port, 443);
}

TEST(ProxyV1, Tcp6) {
  const std::string hdr = "PROXY TCP6 2001:db8::1 2001:db8::2 1234 80\r\n";
  const auto o = runAllSplits(hdr);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, hdr.size());
  EXPECT_EQ(o.header.family, ProxyHeader::Family::V6);
  EXPECT_EQ(o.header.source->toString(), "2001:db8::1");
  EXPECT_EQ(o.header.source->port, 1234);
}

TEST(ProxyV1, Unknown) {
  for (std::string hdr :
       {std::string("PROXY UNKNOWN\r\n"), std::string("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")}) {
    const auto o = runAllSplits(hdr + "x");
    ASSERT_EQ(o.status, ParseStatus::Done) << hdr;
    EXPECT_EQ(o.consumed, hdr.size());
    EXPECT_FALSE(o.header.hasClientAddress());
    EXPECT_EQ(o.header.family, ProxyHeader::Family::Unknown);
  }
}

TEST(ProxyV1, MaxLength) {
  // 107 bytes with CRLF is the longest allowed line.
  std::string ok = "PROXY UNKNOWN ";
  ok += std::string(107 - ok.size() - 2, 'a') + "\r\n";
  ASSERT_EQ(ok.size(), 107u);
  EXPECT_EQ(runAllSplits(ok).status, ParseStatus::Done);
  std::string tooLong = "PROXY UNKNOWN " + std::string(107 - 14 - 1, 'a') + "\r\n";
  EXPECT_EQ(runAllSplits(tooLong).status, ParseStatus::Error);
  // No CRLF at all: bounded, an error once 107 bytes arrived.
  EXPECT_EQ(runAllSplits("PROXY TCP4 " + std::string(200, '1')).status, ParseStatus::Error);
}

TEST(ProxyV1, Invalid) {
  for (const char* bad : {
           "GET / HTTP/1.1\r\n\r\n",
           "PROXY\r\n",
           "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n",        // bare LF
           "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX\n",     // bare CR
           "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n",        // missing port
           "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n",    // extra field
           "PROXY TCP4  192.0.2.1 192.0.2.2 1 2\r\n",     // double space
           "PROXY TCP4 192.0.2.1 192.0.2.2 1 65536\r\n",  // port range
           "PROXY TCP4 192.0.2.1 192.0.2.2 01 2\r\n",     // leading zero
           "PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n",
           "PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n",  // family mismatch
           "PROXY TCP6 192.0.2.1 192.0.2.2 1 2\r\n",
           "PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n",
           "PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n",
           "proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
           "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n",
       }) {
    EXPECT_EQ(runAllSplits(bad).status, ParseStatus::Error) << bad;
  }
}

TEST(ProxyV1, FailsOnFirstWrongByte) {
  ProxyProtocolParser p;
  auto r = p.feed("G");
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(p.errorReason(), "no_proxy_signature");
  // Sticky.
  EXPECT_EQ(p.feed("PROXY ").status, ParseStatus::Error);
  EXPECT_EQ(p.feed("PROXY ").consumed, 0u);
}

TEST(ProxyV2, Tcp4) {
  std::string body = bytes({192, 0, 2, 10, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb});
  const std::string hdr = v2(0x21, 0x11, body);
  const auto o = runAllSplits(hdr + "\x16\x03\x01");
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, hdr.size());
  EXPECT_EQ(o.header.version, ProxyHeader::Version::V2);
  EXPECT_EQ(o.header.command, ProxyHeader::Command::Proxy);
  EXPECT_EQ(o.header.source->toString(), "192.0.2.10");
  EXPECT_EQ(o.header.source->port, 0xdc04);
  EXPECT_EQ(o.header.destination->toString(), "198.51.100.1");
  EXPECT_EQ(o.header.destination->port, 443);
}

TEST(ProxyV2, Tcp6WithTlvs) {
  std::string body(36, '\0');
  body[0] = 0x20, body[1] = 0x01, body[2] = 0x0d, body[3] = static_cast<char>(0xb8), body[15] = 1;
  body[16] = 0x20, body[17] = 0x01, body[18] = 0x0d, body[19] = static_cast<char>(0xb8),
  body[31] = 2;
  body[32] = 0x30, body[33] = 0x39, body[34] = 0, body[35] = 80;
  body += bytes({0x04, 0x00, 0x03, 'a', 'b', 'c'});  // a NOOP TLV, skipped
  const std::string hdr = v2(0x21, 0x21, body);
  const auto o = runAllSplits(hdr + "GET");
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, hdr.size());
  EXPECT_EQ(o.header.family, ProxyHeader::Family::V6);
  EXPECT_EQ(o.header.source->toString(), "2001:db8::1");
  EXPECT_EQ(o.header.source->port, 12345);
  EXPECT_EQ(o.header.destination->toString(), "2001:db8::2");
}

TEST(ProxyV2, LocalCommand) {
  // LOCAL: the balancer's own health check; any address block is skipped.
  for (const std::string& body : {std::string(), std::string(12, '\x01')}) {
    const std::string hdr = v2(0x20, body.empty() ? 0x00 : 0x11, body);
    const auto o = runAllSplits(hdr + "x");
    ASSERT_EQ(o.status, ParseStatus::Done);
    EXPECT_EQ(o.consumed, hdr.size());
    EXPECT_EQ(o.header.command, ProxyHeader::Command::Local);
    EXPECT_FALSE(o.header.hasClientAddress());
  }
}

TEST(ProxyV2, UnspecAndUnix) {
  auto o = runAllSplits(v2(0x21, 0x00, ""));
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.header.family, ProxyHeader::Family::Unknown);
  EXPECT_FALSE(o.header.hasClientAddress());
  o = runAllSplits(v2(0x21, 0x31, std::string(216, 'u')));
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.header.family, ProxyHeader::Family::Unix);
  EXPECT_FALSE(o.header.hasClientAddress());
}

TEST(ProxyV2, LargeTlvBlockIsSkippedNotStored) {
  std::string body = bytes({10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2}) + std::string(65535 - 12, 'T');
  const std::string hdr = v2(0x21, 0x11, body);
  ProxyProtocolParser p;
  auto r = p.feed(hdr);
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(r.consumed, hdr.size());
  EXPECT_EQ(p.header().source->toString(), "10.0.0.1");
}

TEST(ProxyV2, Invalid) {
  const std::string addr4 = bytes({10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2});
  for (const std::string& bad : {
           v2(0x11, 0x11, addr4),                // version 1 in a v2 header
           v2(0x31, 0x11, addr4),                // version 3
           v2(0x22, 0x11, addr4),                // command 2
           v2(0x21, 0x41, addr4),                // family 4
           v2(0x21, 0x13, addr4),                // transport 3
           v2(0x21, 0x11, addr4.substr(0, 11)),  // address block too short
           v2(0x21, 0x21, std::string(35, '\0')),
           std::string("\r\n\r\n\0\r\nQUIX\n", 12) + std::string(4, '\0'),
           std::string("\r\n\r\n\r\n"),
       }) {
    EXPECT_EQ(runAllSplits(bad).status, ParseStatus::Error);
  }
}

TEST(ProxyV2, TruncatedNeedsMore) {
  const std::string hdr = v2(0x21, 0x11, bytes({10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2}));
  for (std::size_t n = 0; n < hdr.size(); ++n) {
    ProxyProtocolParser p;
    auto r = p.feed(std::string_view(hdr).substr(0, n));
    EXPECT_EQ(r.status, ParseStatus::NeedMore) << n;
    EXPECT_EQ(r.consumed, n);
  }
}

TEST(ProxyParser, ResetAllowsReuse) {
  ProxyProtocolParser p;
  EXPECT_EQ(p.feed("X").status, ParseStatus::Error);
  p.reset();
  EXPECT_EQ(p.feed("PROXY UNKNOWN\r\n").status, ParseStatus::Done);
}
