#pragma once
// Process-wide admission limits (SPEC §3 step 3): per-IP handshake rate
// (token bucket, 429 + Retry-After), per-IP concurrent connections (429) and
// the global max_connections (503). One instance for the whole process,
// shared by every worker: thread-safe, with the per-IP state split over
// sharded mutexes. IPv6 clients are grouped by a prefix (default /64) since one
// subscriber usually holds a whole /64. The map is bounded: when a shard is
// full, entries with no open connection are evicted, least recently used
// first, so a flood of spoofed or rotating sources costs bounded memory (an
// evicted IP merely starts again with a full bucket).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "wsedge/core/clock.h"
#include "wsedge/policy/ip_address.h"
#include "wsedge/policy/reject.h"
#include "wsedge/policy/token_bucket.h"

namespace wsedge::policy {

struct IpLimiterConfig {
  double handshakesPerSecond = 0;      // 0 = unlimited
  double handshakesBurst = 0;          // 0 = one second's worth
  std::uint64_t perIpConnections = 0;  // 0 = unlimited
  std::uint64_t maxConnections = 0;    // global; 0 = unlimited
  unsigned ipv6Prefix = 64;            // 1..128
  std::size_t maxEntries = 65536;      // per-IP entries kept, all shards together
};

/// The per-IP grouping key: IPv4 address, or IPv6 masked to the prefix.
struct IpKey {
  std::array<std::uint8_t, 17> bytes{};  // [0] = family, then the (masked) address
  bool operator==(const IpKey& o) const = default;
  static IpKey of(const IpAddress& addr, unsigned ipv6Prefix);
};

struct IpKeyHash {
  std::size_t operator()(const IpKey& k) const;
};

class IpLimiter;

/// One admitted connection. Releasing it (destructor or release()) gives back
/// the per-IP and global slots. Movable, not copyable; may be released on any
/// thread. The limiter must outlive it.
class IpLease {
 public:
  IpLease() = default;
  IpLease(IpLease&& o) noexcept;
  IpLease& operator=(IpLease&& o) noexcept;
  IpLease(const IpLease&) = delete;
  IpLease& operator=(const IpLease&) = delete;
  ~IpLease() { release(); }
  void release();
  bool active() const { return limiter_ != nullptr; }

 private:
  friend class IpLimiter;
  IpLease(IpLimiter* l, const IpKey& k, bool tracked) : limiter_(l), key_(k), tracked_(tracked) {}
  IpLimiter* limiter_ = nullptr;
  IpKey key_{};
  bool tracked_ = false;  // holds a per-IP connection slot
};

struct Admission {
  bool admitted = false;
  RejectReason reason = RejectReason::RateLimited;  // when !admitted
  std::chrono::seconds retryAfter{0};               // for RateLimited: whole seconds, >= 1
  IpLease lease;                                    // when admitted
};

class IpLimiter {
 public:
  /// `clock` must outlive the limiter and be callable from any thread.
  IpLimiter(const core::Clock& clock, IpLimiterConfig config);
  IpLimiter(const IpLimiter&) = delete;
  IpLimiter& operator=(const IpLimiter&) = delete;

  /// Admits one handshake from `client` or says why not. Any thread.
  /// Checks, in order: handshake rate (429), per-IP connections (429),
  /// global connections (503). A refused handshake still spends a rate token.
  Admission admit(const IpAddress& client);

  /// Current global connection count (for metrics). Any thread.
  std::uint64_t connections() const { return global_.load(std::memory_order_relaxed); }
  /// Number of per-IP entries held (for tests and metrics). Any thread.
  std::size_t entries() const;
  /// The limits now in force (maxEntries is fixed at construction).
  IpLimiterConfig config() const;
  /// Applies new limits from a reloaded configuration; state and open leases
  /// are kept (a lease releases the key it was admitted under). Any thread.
  void reconfigure(const IpLimiterConfig& config);

 private:
  friend class IpLease;
  static constexpr std::size_t kShards = 32;
  struct Entry {
    BucketState bucket;
    std::uint64_t active = 0;
    std::list<IpKey>::iterator lru;  // position in Shard::lru (front = most recent)
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<IpKey, Entry, IpKeyHash> map;
    std::list<IpKey> lru;
  };

  bool tracksPerIp(const BucketParams& b, std::uint64_t perIp) const;
  Shard& shardOf(const IpKey& k);
  Entry& findOrInsert(Shard& s, const IpKey& k, const BucketParams& b, core::TimePoint now);
  void evictOne(Shard& s, const IpKey& keep);
  void release(const IpKey& k, bool tracked);
  void releasePerIp(const IpKey& k);

  const core::Clock& clock_;
  // Read on every admit, changed on reload: atomics, not a lock.
  std::atomic<double> rate_;
  std::atomic<double> burst_;
  std::atomic<std::uint64_t> perIpConnections_;
  std::atomic<std::uint64_t> maxConnections_;
  std::atomic<unsigned> ipv6Prefix_;
  const std::size_t maxEntries_;
  const std::size_t perShardCap_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> global_{0};
};

}  // namespace wsedge::policy
