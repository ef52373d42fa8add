#pragma once
// Log-linear latency histogram: 32 linear buckets per power of two, so any
// recorded value is reported within ~3% of itself, in a fixed 15 KiB table.
// One per thread, merged at the end: no atomics on the hot path.
#include <array>
#include <cstdint>

namespace wsedge::bench {

class Histogram {
 public:
  /// Records one value (nanoseconds in practice). Thread-compatible, not thread-safe.
  void record(std::uint64_t value);
  /// Adds every count of `other` to this one.
  void merge(const Histogram& other);
  /// Forgets everything recorded so far (end of warm-up).
  void reset();
  /// The smallest bucket upper bound below which a fraction `q` (0..1] of values lie; 0 when empty.
  std::uint64_t percentile(double q) const;
  std::uint64_t max() const { return max_; }
  std::uint64_t count() const { return count_; }

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;
  static int bucketOf(std::uint64_t value);
  static std::uint64_t upperBound(int bucket);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace wsedge::bench
