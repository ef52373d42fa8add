#include "wsedge/policy/ip_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using namespace std::chrono_literals;
using wsedge::core::FakeClock;
using wsedge::policy::IpAddress;
using wsedge::policy::IpKey;
using wsedge::policy::IpLimiter;
using wsedge::policy::IpLimiterConfig;
using wsedge::policy::RejectReason;

namespace {
IpAddress ip(const char* s) {
  auto a = IpAddress::parse(s);
  EXPECT_TRUE(a.has_value()) << s;
  return *a;
}
}  // namespace

TEST(IpKey, Ipv6GroupedByPrefix) {
  EXPECT_EQ(IpKey::of(ip("2001:db8:1:2::1"), 64), IpKey::of(ip("2001:db8:1:2:ffff::9"), 64));
  EXPECT_NE(IpKey::of(ip("2001:db8:1:2::1"), 64), IpKey::of(ip("2001:db8:1:3::1"), 64));
  EXPECT_EQ(IpKey::of(ip("2001:db8:1:2::1"), 48), IpKey::of(ip("2001:db8:1:3::1"), 48));
  EXPECT_NE(IpKey::of(ip("2001:db8::1"), 128), IpKey::of(ip("2001:db8::2"), 128));
  EXPECT_EQ(IpKey::of(ip("2001:db8::1"), 127), IpKey::of(ip("2001:db8::0"), 127));
  // Odd prefixes mask inside a byte: /57 keeps the top bit of byte 7.
  EXPECT_EQ(IpKey::of(ip("2001:db8:0:7f::1"), 57), IpKey::of(ip("2001:db8:0:0::1"), 57));
  EXPECT_NE(IpKey::of(ip("2001:db8:0:80::1"), 57), IpKey::of(ip("2001:db8:0:0::1"), 57));
}

TEST(IpKey, Ipv4IsWholeAddressAndMappedIsIpv4) {
  EXPECT_NE(IpKey::of(ip("192.0.2.1"), 64), IpKey::of(ip("192.0.2.2"), 64));
  EXPECT_EQ(IpKey::of(ip("::ffff:192.0.2.1"), 64), IpKey::of(ip("192.0.2.1"), 64));
  // An IPv4 key never collides with an IPv6 one holding the same bytes.
  EXPECT_NE(IpKey::of(ip("192.0.2.1"), 32), IpKey::of(ip("c000:201::"), 32));
}

TEST(IpLimiter, HandshakeRateWithRetryAfter) {
  FakeClock clock;
  IpLimiter lim(clock, {.handshakesPerSecond = 1, .handshakesBurst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(lim.admit(ip("192.0.2.1")).admitted) << i;
  auto a = lim.admit(ip("192.0.2.1"));
  EXPECT_FALSE(a.admitted);
  EXPECT_EQ(a.reason, RejectReason::RateLimited);
  EXPECT_EQ(wsedge::policy::httpStatus(a.reason), 429);
  EXPECT_EQ(a.retryAfter, 1s);
  // Another IP is not affected.
  EXPECT_TRUE(lim.admit(ip("192.0.2.2")).admitted);
  clock.advance(1s);
  EXPECT_TRUE(lim.admit(ip("192.0.2.1")).admitted);
}

TEST(IpLimiter, RetryAfterRoundsUp) {
  FakeClock clock;
  IpLimiter lim(clock, {.handshakesPerSecond = 0.25, .handshakesBurst = 1});
  EXPECT_TRUE(lim.admit(ip("192.0.2.1")).admitted);
  auto a = lim.admit(ip("192.0.2.1"));
  EXPECT_EQ(a.retryAfter, 4s);
}

TEST(IpLimiter, Ipv6PrefixSharesTheBucket) {
  FakeClock clock;
  IpLimiter lim(clock, {.handshakesPerSecond = 1, .handshakesBurst = 2});
  EXPECT_TRUE(lim.admit(ip("2001:db8:0:1::1")).admitted);
  EXPECT_TRUE(lim.admit(ip("2001:db8:0:1::2")).admitted);
  EXPECT_FALSE(lim.admit(ip("2001:db8:0:1:abcd::3")).admitted);
  EXPECT_TRUE(lim.admit(ip("2001:db8:0:2::1")).admitted);
}

TEST(IpLimiter, PerIpConnections) {
  FakeClock clock;
  IpLimiter lim(clock, {.perIpConnections = 2});
  auto a = lim.admit(ip("192.0.2.1"));
  auto b = lim.admit(ip("192.0.2.1"));
  ASSERT_TRUE(a.admitted && b.admitted);
  auto c = lim.admit(ip("192.0.2.1"));
  EXPECT_FALSE(c.admitted);
  EXPECT_EQ(c.reason, RejectReason::TooManyConnections);
  EXPECT_EQ(wsedge::policy::httpStatus(c.reason), 429);
  EXPECT_TRUE(lim.admit(ip("192.0.2.9")).admitted);
  a.lease.release();
  EXPECT_TRUE(
      lim.admit(ip("192.0.2.1")).admitted);  // the slot came back (and this lease ends here)
  { auto moved = std::move(b.lease); }       // RAII release through a move
  auto d = lim.admit(ip("192.0.2.1"));
  auto e = lim.admit(ip("192.0.2.1"));
  EXPECT_TRUE(d.admitted && e.admitted);
  EXPECT_FALSE(lim.admit(ip("192.0.2.1")).admitted);
}

TEST(IpLimiter, GlobalCapIs503AndReleasesPerIpSlot) {
  FakeClock clock;
  IpLimiter lim(clock, {.perIpConnections = 5, .maxConnections = 2});
  auto a = lim.admit(ip("192.0.2.1"));
  auto b = lim.admit(ip("192.0.2.2"));
  EXPECT_EQ(lim.connections(), 2u);
  auto c = lim.admit(ip("192.0.2.1"));
  EXPECT_FALSE(c.admitted);
  EXPECT_EQ(c.reason, RejectReason::Overloaded);
  EXPECT_EQ(wsedge::policy::httpStatus(c.reason), 503);
  EXPECT_EQ(lim.connections(), 2u);
  b.lease.release();
  EXPECT_EQ(lim.connections(), 1u);
  // The refused attempt did not keep a per-IP slot: 4 more fit for .1 once global allows.
  IpLimiter big(clock, {.perIpConnections = 2, .maxConnections = 1});
  auto x = big.admit(ip("192.0.2.1"));
  EXPECT_FALSE(big.admit(ip("192.0.2.1")).admitted);
  x.lease.release();
  auto y = big.admit(ip("192.0.2.1"));
  EXPECT_TRUE(y.admitted);
}

TEST(IpLimiter, UnlimitedKeepsNoPerIpState) {
  FakeClock clock;
  IpLimiter lim(clock, {});
  for (int i = 0; i < 1000; ++i) {
    IpAddress a = ip("10.0.0.0");
    a.bytes[2] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[3] = static_cast<std::uint8_t>(i);
    EXPECT_TRUE(lim.admit(a).admitted);
  }
  EXPECT_EQ(lim.entries(), 0u);
  EXPECT_EQ(lim.connections(), 0u);
}

TEST(IpLimiter, EvictionBoundsMemoryUnder100kSources) {
  FakeClock clock;
  IpLimiter lim(clock, {.handshakesPerSecond = 10, .handshakesBurst = 10, .maxEntries = 4096});
  std::vector<wsedge::policy::Admission> held;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    IpAddress a = ip("2001:db8::");
    a.bytes[4] = static_cast<std::uint8_t>(i >> 16);
    a.bytes[5] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[6] = static_cast<std::uint8_t>(i);  // a distinct /64 each time
    auto adm = lim.admit(a);
    ASSERT_TRUE(adm.admitted) << i;
    if (i % 1000 == 0) held.push_back(std::move(adm));  // a few stay connected
  }
  EXPECT_LE(lim.entries(), 4096u + held.size());
  EXPECT_GE(lim.entries(), 1000u);
  EXPECT_EQ(lim.connections(), held.size());
  held.clear();
  EXPECT_EQ(lim.connections(), 0u);
}

TEST(IpLimiter, ConnectedEntriesAreNotEvicted) {
  FakeClock clock;
  IpLimiter lim(clock, {.perIpConnections = 1, .maxEntries = 32});  // one entry per shard
  auto held = lim.admit(ip("192.0.2.1"));
  ASSERT_TRUE(held.admitted);
  for (int i = 0; i < 5000; ++i) {
    IpAddress a = ip("10.0.0.0");
    a.bytes[2] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[3] = static_cast<std::uint8_t>(i);
    lim.admit(a);
  }
  // Its connection count survived the churn: a second one is still refused.
  EXPECT_EQ(lim.admit(ip("192.0.2.1")).reason, RejectReason::TooManyConnections);
}

TEST(IpLimiter, ThreadSafeCounts) {
  wsedge::core::SteadyClock clock;
  IpLimiter lim(clock, {.perIpConnections = 1000000, .maxConnections = 1000000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        IpAddress a = ip("10.0.0.0");
        a.bytes[2] = static_cast<std::uint8_t>(t);
        a.bytes[3] = static_cast<std::uint8_t>(i % 7);
        auto adm = lim.admit(a);
        EXPECT_TRUE(adm.admitted);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(lim.connections(), 0u);
  // All slots were given back: every IP can again take the full per-IP count.
  IpLimiter one(clock, {.perIpConnections = 1});
  { auto a = one.admit(ip("10.0.0.1")); }
  EXPECT_TRUE(one.admit(ip("10.0.0.1")).admitted);
}

TEST(IpLimiter, ReconfigureKeepsLeases) {
  FakeClock clock;
  IpLimiter lim(clock, {.perIpConnections = 1});
  auto a = lim.admit(ip("192.0.2.1"));
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(lim.admit(ip("192.0.2.1")).reason, RejectReason::TooManyConnections);
  lim.reconfigure({.perIpConnections = 2, .maxConnections = 2});
  EXPECT_EQ(lim.config().maxConnections, 2u);
  auto b = lim.admit(ip("192.0.2.1"));
  EXPECT_TRUE(b.admitted);
  EXPECT_EQ(lim.admit(ip("192.0.2.9")).reason, RejectReason::Overloaded);
  lim.reconfigure({});  // everything unlimited: old leases still release cleanly
  a.lease.release();
  b.lease.release();
  EXPECT_EQ(lim.connections(), 0u);
}
