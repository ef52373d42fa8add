#include "wsedge/policy/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace wsedge::policy {

double BucketParams::capacity() const {
  if (burst > 0) return burst;
  return std::max(rate, 1.0);
}

void BucketState::refill(const BucketParams& p, core::TimePoint now) {
  if (!initialized) {
    tokens = p.capacity();
    last = now;
    initialized = true;
    return;
  }
  if (now <= last) return;  // a clock that did not move (or a stale reading)
  const double secs = std::chrono::duration<double>(now - last).count();
  tokens = std::min(p.capacity(), tokens + secs * p.rate);
  last = now;
}

bool BucketState::tryTake(const BucketParams& p, core::TimePoint now, double n) {
  if (p.unlimited()) return true;
  refill(p, now);
  if (tokens + 1e-9 < n) return false;
  tokens -= n;
  return true;
}

void BucketState::consume(const BucketParams& p, core::TimePoint now, double n) {
  if (p.unlimited()) return;
  refill(p, now);
  tokens -= n;
}

core::Duration BucketState::timeUntil(const BucketParams& p, core::TimePoint now, double n) {
  if (p.unlimited()) return core::Duration::zero();
  refill(p, now);
  n = std::min(n, p.capacity());
  if (tokens + 1e-9 >= n) return core::Duration::zero();
  const double secs = (n - tokens) / p.rate;
  // Round up so a caller that sleeps exactly this long finds the tokens there.
  return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(secs)) +
         core::Duration(1);
}

bool BucketState::idle(const BucketParams& p, core::TimePoint now) {
  if (p.unlimited()) return true;
  refill(p, now);
  return tokens + 1e-9 >= p.capacity();
}

TokenBucket::TokenBucket(const core::Clock& clock, double rate, double burst)
    : clock_(clock), params_{rate, burst} {}

bool TokenBucket::tryTake(double n) { return state_.tryTake(params_, clock_.now(), n); }
void TokenBucket::consume(double n) { state_.consume(params_, clock_.now(), n); }
core::Duration TokenBucket::timeUntil(double n) {
  return state_.timeUntil(params_, clock_.now(), n);
}
double TokenBucket::available() {
  if (params_.unlimited()) return INFINITY;
  state_.refill(params_, clock_.now());
  return state_.tokens;
}

ConnectionRateLimiter::ConnectionRateLimiter(const core::Clock& clock, double messagesPerSecond,
                                             double messagesBurst, double bytesPerSecond)
    : messages_(clock, messagesPerSecond, messagesBurst), bytes_(clock, bytesPerSecond, 0) {}

core::Duration ConnectionRateLimiter::readDelay() {
  // Reading is allowed when a whole message token and at least one byte token
  // are there; byte debt from a large read is paid back before the next one.
  return std::max(messages_.timeUntil(1), bytes_.timeUntil(1));
}

bool ConnectionRateLimiter::onMessage() {
  if (messages_.tryTake(1)) return true;
  messages_.consume(1);
  return false;
}

void ConnectionRateLimiter::onBytes(std::uint64_t n) { bytes_.consume(static_cast<double>(n)); }

}  // namespace wsedge::policy
