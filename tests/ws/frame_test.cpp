#include "wsedge/ws/frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace wsedge::ws {
namespace {

constexpr std::array<std::uint8_t, 4> kMask = {0x12, 0x9a, 0xfe, 0x01};

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return v;
}

TEST(ApplyMask, MatchesBytewiseDefinition) {
  for (std::size_t len : {0u, 1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 64u, 1001u}) {
    for (std::size_t offset = 0; offset < 9; ++offset) {
      auto data = pattern(len);
      auto want = data;
      for (std::size_t i = 0; i < len; ++i) want[i] ^= kMask[(offset + i) % 4];
      applyMask(data.data(), len, kMask, offset);
      EXPECT_EQ(data, want) << "len " << len << " offset " << offset;
    }
  }
}

TEST(ApplyMask, RoundTripAtEveryOffsetAndUnaligned) {
  // Unmask a payload in two pieces split at every position, starting from
  // misaligned buffer addresses: the result must be the original bytes.
  const auto orig = pattern(77);
  auto masked = orig;
  applyMask(masked.data(), masked.size(), kMask);
  for (std::size_t split = 0; split <= orig.size(); ++split) {
    for (std::size_t shift = 0; shift < 8; ++shift) {
      std::vector<std::uint8_t> buf(shift + masked.size());
      std::copy(masked.begin(), masked.end(), buf.begin() + static_cast<std::ptrdiff_t>(shift));
      std::uint8_t* p = buf.data() + shift;
      applyMask(p, split, kMask, 0);
      applyMask(p + split, masked.size() - split, kMask, split);
      EXPECT_TRUE(std::equal(orig.begin(), orig.end(), p)) << "split " << split;
    }
  }
}

TEST(CloseCodes, WireValidity) {
  for (std::uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                          3000, 3999, 4000, 4999})
    EXPECT_TRUE(isValidWireCloseCode(c)) << c;
  for (std::uint16_t c : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    EXPECT_FALSE(isValidWireCloseCode(c)) << c;
}

TEST(Opcodes, ControlBit) {
  EXPECT_TRUE(isControl(Opcode::Close));
  EXPECT_TRUE(isControl(Opcode::Ping));
  EXPECT_TRUE(isControl(Opcode::Pong));
  EXPECT_FALSE(isControl(Opcode::Text));
  EXPECT_FALSE(isControl(Opcode::Binary));
  EXPECT_FALSE(isControl(Opcode::Continuation));
}

}  // namespace
}  // namespace wsedge::ws
