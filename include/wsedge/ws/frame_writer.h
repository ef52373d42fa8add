#pragma once
// Builds the frames the proxy sends on its own: close, ping, pong. Toward the
// backend (the proxy acts as a client) frames are masked with a fresh key.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "wsedge/ws/frame.h"

namespace wsedge::ws {

/// A complete control frame, at most 2 + 4 + 125 bytes, on the stack.
struct ControlFrame {
  std::array<std::uint8_t, 2 + 4 + kMaxControlPayload> bytes{};
  std::size_t size = 0;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

/// `maskKey` null = unmasked (server to client); else the 4-byte key to use.
/// The payload is truncated to 125 bytes (close: reason to 123 bytes, cut on a
/// UTF-8 boundary).
ControlFrame makeClose(std::uint16_t code, std::string_view reason, const std::uint8_t* maskKey);
ControlFrame makePing(std::string_view payload, const std::uint8_t* maskKey);
ControlFrame makePong(std::string_view payload, const std::uint8_t* maskKey);

/// Parses a close frame's (unmasked) payload. Returns false when it is not a
/// valid close payload (1 byte long, or a code not valid on the wire); an empty
/// payload is valid and yields code 1005.
bool parseClosePayload(std::string_view payload, std::uint16_t& code, std::string_view& reason);

}  // namespace wsedge::ws
