#include "wsedge/policy/ip_limiter.h"

#include <algorithm>
#include <cmath>

namespace wsedge::policy {

IpKey IpKey::of(const IpAddress& addr, unsigned ipv6Prefix) {
  const IpAddress a = addr.unmapped();
  IpKey k;
  if (a.family == IpAddress::Family::V4) {
    k.bytes[0] = 4;
    std::copy_n(a.bytes.begin(), 4, k.bytes.begin() + 1);
    return k;
  }
  k.bytes[0] = 6;
  const unsigned prefix = std::clamp(ipv6Prefix, 1u, 128u);
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bitsHere = prefix > i * 8 ? std::min(8u, prefix - i * 8) : 0;
    const auto mask = static_cast<std::uint8_t>(bitsHere == 0 ? 0 : 0xff << (8 - bitsHere));
    k.bytes[1 + i] = a.bytes[i] & mask;
  }
  return k;
}

std::size_t IpKeyHash::operator()(const IpKey& k) const {
  // FNV-1a; the shard index uses the high bits, the map the whole value.
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : k.bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h ^ (h >> 29));
}

IpLease::IpLease(IpLease&& o) noexcept : limiter_(o.limiter_), key_(o.key_), tracked_(o.tracked_) {
  o.limiter_ = nullptr;
}

IpLease& IpLease::operator=(IpLease&& o) noexcept {
  if (this != &o) {
    release();
    limiter_ = o.limiter_;
    key_ = o.key_;
    tracked_ = o.tracked_;
    o.limiter_ = nullptr;
  }
  return *this;
}

void IpLease::release() {
  if (limiter_ == nullptr) return;
  limiter_->release(key_, tracked_);
  limiter_ = nullptr;
}

IpLimiter::IpLimiter(const core::Clock& clock, IpLimiterConfig config)
    : clock_(clock),
      rate_(config.handshakesPerSecond),
      burst_(config.handshakesBurst),
      perIpConnections_(config.perIpConnections),
      maxConnections_(config.maxConnections),
      ipv6Prefix_(config.ipv6Prefix),
      maxEntries_(config.maxEntries),
      perShardCap_(std::max<std::size_t>(1, config.maxEntries / kShards)) {}

IpLimiterConfig IpLimiter::config() const {
  IpLimiterConfig c;
  c.handshakesPerSecond = rate_.load(std::memory_order_relaxed);
  c.handshakesBurst = burst_.load(std::memory_order_relaxed);
  c.perIpConnections = perIpConnections_.load(std::memory_order_relaxed);
  c.maxConnections = maxConnections_.load(std::memory_order_relaxed);
  c.ipv6Prefix = ipv6Prefix_.load(std::memory_order_relaxed);
  c.maxEntries = maxEntries_;
  return c;
}

void IpLimiter::reconfigure(const IpLimiterConfig& c) {
  rate_.store(c.handshakesPerSecond, std::memory_order_relaxed);
  burst_.store(c.handshakesBurst, std::memory_order_relaxed);
  perIpConnections_.store(c.perIpConnections, std::memory_order_relaxed);
  maxConnections_.store(c.maxConnections, std::memory_order_relaxed);
  ipv6Prefix_.store(c.ipv6Prefix, std::memory_order_relaxed);
}

bool IpLimiter::tracksPerIp(const BucketParams& b, std::uint64_t perIp) const {
  return !b.unlimited() || perIp > 0;
}

IpLimiter::Shard& IpLimiter::shardOf(const IpKey& k) {
  return shards_[(IpKeyHash{}(k) >> 7) % kShards];
}

void IpLimiter::evictOne(Shard& s, const IpKey& keep) {
  // From the least recently used end, the first entry with no open connection.
  // Entries with connections are bounded by max_connections, so skipping them
  // cannot grow the map without bound.
  for (auto it = s.lru.rbegin(); it != s.lru.rend(); ++it) {
    if (*it == keep) continue;
    auto m = s.map.find(*it);
    if (m != s.map.end() && m->second.active == 0) {
      s.lru.erase(std::next(it).base());
      s.map.erase(m);
      return;
    }
  }
}

IpLimiter::Entry& IpLimiter::findOrInsert(Shard& s, const IpKey& k, const BucketParams& b,
                                          core::TimePoint now) {
  auto it = s.map.find(k);
  if (it != s.map.end()) {
    s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
    return it->second;
  }
  if (s.map.size() >= perShardCap_) evictOne(s, k);
  s.lru.push_front(k);
  Entry& e = s.map[k];
  e.lru = s.lru.begin();
  e.bucket.refill(b, now);  // starts full
  return e;
}

Admission IpLimiter::admit(const IpAddress& client) {
  Admission out;
  const BucketParams bucket{rate_.load(std::memory_order_relaxed),
                            burst_.load(std::memory_order_relaxed)};
  const auto perIp = perIpConnections_.load(std::memory_order_relaxed);
  const auto maxConnections = maxConnections_.load(std::memory_order_relaxed);
  const IpKey key = IpKey::of(client, ipv6Prefix_.load(std::memory_order_relaxed));
  bool tracked = false;
  if (tracksPerIp(bucket, perIp)) {
    Shard& s = shardOf(key);
    const auto now = clock_.now();
    std::lock_guard lock(s.mu);
    Entry& e = findOrInsert(s, key, bucket, now);
    if (!e.bucket.tryTake(bucket, now, 1)) {
      const auto wait = e.bucket.timeUntil(bucket, now, 1);
      const double secs = std::chrono::duration<double>(wait).count();
      out.reason = RejectReason::RateLimited;
      out.retryAfter = std::chrono::seconds(
          std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(secs - 1e-6))));
      return out;
    }
    if (perIp > 0 && e.active >= perIp) {
      out.reason = RejectReason::TooManyConnections;
      return out;
    }
    ++e.active;
    tracked = true;
  }
  // Global cap: optimistic increment, undone if it went over.
  const auto before = global_.fetch_add(1, std::memory_order_acq_rel);
  if (maxConnections > 0 && before >= maxConnections) {
    global_.fetch_sub(1, std::memory_order_acq_rel);
    if (tracked) releasePerIp(key);
    out.reason = RejectReason::Overloaded;
    return out;
  }
  out.admitted = true;
  out.lease = IpLease(this, key, tracked);
  return out;
}

void IpLimiter::release(const IpKey& k, bool tracked) {
  global_.fetch_sub(1, std::memory_order_acq_rel);
  if (tracked) releasePerIp(k);
}

void IpLimiter::releasePerIp(const IpKey& k) {
  Shard& s = shardOf(k);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(k);
  if (it != s.map.end() && it->second.active > 0) --it->second.active;
}

std::size_t IpLimiter::entries() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace wsedge::policy
