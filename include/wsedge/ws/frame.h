#pragma once
// RFC 6455 frames: header layout, opcodes, close codes, masking.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wsedge::ws {

enum class Opcode : std::uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA,
};

inline bool isControl(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

/// Close codes (RFC 6455 §7.4.1) that wsedge sends or checks.
namespace close_code {
inline constexpr std::uint16_t Normal = 1000;
inline constexpr std::uint16_t GoingAway = 1001;
inline constexpr std::uint16_t ProtocolError = 1002;
inline constexpr std::uint16_t UnsupportedData = 1003;
inline constexpr std::uint16_t NoStatus = 1005;     // never on the wire
inline constexpr std::uint16_t Abnormal = 1006;     // never on the wire
inline constexpr std::uint16_t InvalidPayload = 1007;
inline constexpr std::uint16_t PolicyViolation = 1008;
inline constexpr std::uint16_t MessageTooBig = 1009;
inline constexpr std::uint16_t InternalError = 1011;
inline constexpr std::uint16_t BadGateway = 1014;
}  // namespace close_code

/// True when `code` may appear in a close frame on the wire (RFC 6455 §7.4).
bool isValidWireCloseCode(std::uint16_t code);

inline constexpr std::size_t kMaxHeaderSize = 14;
inline constexpr std::size_t kMaxControlPayload = 125;

struct FrameHeader {
  bool fin = false;
  std::uint8_t rsv = 0;  // the three RSV bits, as bits 0b100 (RSV1) .. 0b001 (RSV3)
  Opcode opcode = Opcode::Continuation;
  bool masked = false;
  std::array<std::uint8_t, 4> mask{};
  std::uint64_t payloadLength = 0;
  std::size_t headerLength = 0;  // 2..14 bytes on the wire
};

/// XORs `data` with `mask` in place; `offset` is the position of data[0] in the
/// frame's payload (so a payload can be unmasked in pieces).
void applyMask(std::uint8_t* data, std::size_t len, const std::array<std::uint8_t, 4>& mask,
               std::size_t offset = 0);

}  // namespace wsedge::ws
