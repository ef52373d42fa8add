#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wsedge::bench {

int Histogram::bucketOf(std::uint64_t value) {
  constexpr std::uint64_t kLinear = std::uint64_t{1} << kSubBits;
  if (value < kLinear) return static_cast<int>(value);
  const int msb = 63 - std::countl_zero(value);
  const int shift = msb - kSubBits;
  const auto sub = static_cast<int>((value >> shift) - kLinear);
  return ((shift + 1) << kSubBits) + sub;
}

std::uint64_t Histogram::upperBound(int bucket) {
  constexpr int kLinear = 1 << kSubBits;
  if (bucket < kLinear) return static_cast<std::uint64_t>(bucket);
  const int shift = (bucket >> kSubBits) - 1;
  const auto sub = static_cast<std::uint64_t>(bucket & (kLinear - 1));
  // Last value that maps to this bucket.
  return ((kLinear + sub + 1) << shift) - 1;
}

void Histogram::record(std::uint64_t value) {
  ++counts_[static_cast<std::size_t>(bucketOf(value))];
  ++count_;
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void Histogram::reset() {
  counts_.fill(0);
  count_ = 0;
  max_ = 0;
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)];
    if (seen >= rank) return std::min(upperBound(b), max_);
  }
  return max_;
}

}  // namespace wsedge::bench
