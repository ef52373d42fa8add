#include "wsedge/policy/token_bucket.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using wsedge::core::FakeClock;
using wsedge::policy::ConnectionRateLimiter;
using wsedge::policy::TokenBucket;

TEST(TokenBucket, UnlimitedAlwaysAllows) {
  FakeClock clock;
  TokenBucket b(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.tryTake());
  EXPECT_EQ(b.timeUntil(1e9), wsedge::core::Duration::zero());
}

TEST(TokenBucket, BurstThenRate) {
  FakeClock clock;
  TokenBucket b(clock, 10, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.tryTake()) << i;
  EXPECT_FALSE(b.tryTake());
  // One token takes 100 ms at 10/s.
  const auto wait = b.timeUntil(1);
  EXPECT_GE(wait, 99ms);
  EXPECT_LE(wait, 101ms);
  clock.advance(50ms);
  EXPECT_FALSE(b.tryTake());
  clock.advance(50ms);
  EXPECT_TRUE(b.tryTake());
  EXPECT_FALSE(b.tryTake());
  // Refill never exceeds the burst.
  clock.advance(10s);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.tryTake()) << i;
  EXPECT_FALSE(b.tryTake());
}

TEST(TokenBucket, ZeroBurstMeansOneSecondsWorth) {
  FakeClock clock;
  TokenBucket b(clock, 3, 0);
  EXPECT_TRUE(b.tryTake(3));
  EXPECT_FALSE(b.tryTake());
  TokenBucket slow(clock, 0.5, 0);  // at least one token
  EXPECT_TRUE(slow.tryTake());
  EXPECT_FALSE(slow.tryTake());
  EXPECT_GE(slow.timeUntil(1), 1999ms);
}

TEST(TokenBucket, TimeUntilWaitingExactlyIsEnough) {
  FakeClock clock;
  TokenBucket b(clock, 7, 1);
  ASSERT_TRUE(b.tryTake());
  clock.advance(b.timeUntil(1));
  EXPECT_TRUE(b.tryTake());
}

TEST(TokenBucket, DebtIsPaidBack) {
  FakeClock clock;
  TokenBucket b(clock, 100, 100);
  b.consume(300);  // 200 in debt
  EXPECT_FALSE(b.tryTake());
  const auto wait = b.timeUntil(1);
  EXPECT_GE(wait, 2009ms);
  EXPECT_LE(wait, 2011ms);
  clock.advance(2s);
  EXPECT_FALSE(b.tryTake());
  clock.advance(10ms);
  EXPECT_TRUE(b.tryTake());
}

TEST(TokenBucket, TimeUntilMoreThanCapacityIsFinite) {
  FakeClock clock;
  TokenBucket b(clock, 10, 10);
  EXPECT_EQ(b.timeUntil(1000), wsedge::core::Duration::zero());
}

TEST(ConnectionRateLimiter, MessagesThrottleAndCloseMode) {
  FakeClock clock;
  ConnectionRateLimiter l(clock, 2, 2, 0);
  EXPECT_TRUE(l.mayRead());
  EXPECT_TRUE(l.onMessage());
  EXPECT_TRUE(l.onMessage());
  EXPECT_FALSE(l.mayRead());
  EXPECT_GE(l.readDelay(), 499ms);
  EXPECT_FALSE(l.onMessage());  // close mode: 1008
  clock.advance(1s);
  EXPECT_TRUE(l.mayRead());
}

TEST(ConnectionRateLimiter, BytesPerSecond) {
  FakeClock clock;
  ConnectionRateLimiter l(clock, 0, 0, 1000);
  EXPECT_TRUE(l.mayRead());
  l.onBytes(3000);  // read more than a second's worth in one go
  EXPECT_FALSE(l.mayRead());
  EXPECT_GE(l.readDelay(), 2000ms);
  clock.advance(2001ms);
  EXPECT_TRUE(l.mayRead());
}

TEST(ConnectionRateLimiter, UnlimitedByDefault) {
  FakeClock clock;
  ConnectionRateLimiter l(clock, 0, 0, 0);
  EXPECT_TRUE(l.unlimited());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.onMessage());
  l.onBytes(1ull << 40);
  EXPECT_TRUE(l.mayRead());
}
