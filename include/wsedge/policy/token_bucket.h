#pragma once
// Token buckets for rate limits: `rate` tokens per second refill a bucket of
// at most `burst` tokens. The arithmetic lives in BucketState (two words, no
// clock) so the process-wide IP limiter can keep thousands of them in a map;
// TokenBucket wraps one with a Clock for per-connection use.
#include <chrono>
#include <cstdint>

#include "wsedge/core/clock.h"

namespace wsedge::policy {

/// rate = 0 means unlimited. burst = 0 means "one second's worth" (at least 1),
/// which is what an operator who sets only a rate expects.
struct BucketParams {
  double rate = 0;
  double burst = 0;
  bool unlimited() const { return rate <= 0; }
  double capacity() const;
};

/// A bucket's state; not thread-safe (callers lock). Starts full.
struct BucketState {
  double tokens = 0;
  core::TimePoint last{};
  bool initialized = false;

  void refill(const BucketParams& p, core::TimePoint now);
  /// Takes n tokens if there are that many; else takes nothing.
  bool tryTake(const BucketParams& p, core::TimePoint now, double n);
  /// Takes n tokens even if that leaves the bucket in debt (for byte counts
  /// only known after a read).
  void consume(const BucketParams& p, core::TimePoint now, double n);
  /// How long until n tokens are available (zero if they are). n above the
  /// capacity is clamped to the capacity, so the answer is always finite.
  core::Duration timeUntil(const BucketParams& p, core::TimePoint now, double n);
  /// True when the bucket is full again (the entry can be forgotten).
  bool idle(const BucketParams& p, core::TimePoint now);
};

/// A bucket on a Clock. One owner thread (a connection's worker).
class TokenBucket {
 public:
  TokenBucket(const core::Clock& clock, double rate, double burst);
  bool unlimited() const { return params_.unlimited(); }
  /// Takes n tokens if available; always true when unlimited.
  bool tryTake(double n = 1);
  /// Takes n tokens, possibly going into debt.
  void consume(double n);
  /// Zero when n tokens are available now.
  core::Duration timeUntil(double n = 1);
  double available();

 private:
  const core::Clock& clock_;
  BucketParams params_;
  BucketState state_;
};

/// The per-connection limits of [limits] (client_messages_per_second + burst,
/// client_bytes_per_second). The relay asks mayRead()/readDelay() before reading
/// from the client, and reports what it read with onMessage()/onBytes().
class ConnectionRateLimiter {
 public:
  ConnectionRateLimiter(const core::Clock& clock, double messagesPerSecond, double messagesBurst,
                        double bytesPerSecond);
  bool unlimited() const { return messages_.unlimited() && bytes_.unlimited(); }
  /// Zero when the relay may read now; else how long to pause reading
  /// (throttle mode).
  core::Duration readDelay();
  bool mayRead() { return readDelay() == core::Duration::zero(); }
  /// Counts one client message. Returns false when it was over the rate
  /// (close mode: close 1008); the message is counted either way.
  bool onMessage();
  /// Counts n payload bytes read from the client.
  void onBytes(std::uint64_t n);

 private:
  TokenBucket messages_;
  TokenBucket bytes_;
};

}  // namespace wsedge::policy
