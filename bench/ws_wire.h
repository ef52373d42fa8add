#pragma once
// The few RFC 6455 pieces the benchmark tools need: a frame header reader and
// writer and the masking XOR. Kept here, apart from src/ws, so the load
// generator measures the proxy with code that does not change with it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsedge::bench {

enum class Opcode : std::uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA,
};

/// A decoded frame header; `headerSize` bytes precede `length` payload bytes.
struct FrameHead {
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  std::uint64_t length = 0;
  std::size_t headerSize = 0;
};

enum class HeadStatus { NeedMore, Done, Invalid };

/// Reads one frame header from the first `size` bytes of `data`; Invalid for
/// a 64-bit length with the high bit set. Never reads past `size`.
HeadStatus parseFrameHead(const std::uint8_t* data, std::size_t size, FrameHead& out);

/// The largest header writeFrameHead can produce.
inline constexpr std::size_t kMaxFrameHead = 14;

/// Writes a header into `out` (at least kMaxFrameHead bytes); `mask` null =
/// unmasked. Returns the number of bytes written.
std::size_t writeFrameHead(std::uint8_t* out, bool fin, Opcode opcode, std::uint64_t length,
                           const std::uint8_t* mask);

/// XORs `size` bytes with `mask`, as if they started at payload offset `offset`.
void applyMask(std::uint8_t* data, std::size_t size, const std::uint8_t mask[4], std::size_t offset = 0);

/// Sec-WebSocket-Accept for `key` (SHA-1 + base64, RFC 6455 §4.2.2).
std::string acceptKey(std::string_view key);

}  // namespace wsedge::bench
