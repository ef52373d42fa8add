#include "wsedge/ws/frame_writer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace wsedge::ws {

namespace {

constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;

/// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF), for close reasons.
bool isValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    // The allowed range of the second byte excludes overlongs (E0, F0),
    // surrogates (ED) and code points past U+10FFFF (F4).
    std::uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

ControlFrame makeControl(Opcode op, const std::uint8_t* head, std::size_t headLen,
                         std::string_view tail, const std::uint8_t* maskKey) {
  ControlFrame f;
  const std::size_t len = std::min(headLen + tail.size(), kMaxControlPayload);
  const std::size_t tailLen = len - headLen;
  f.bytes[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  f.bytes[1] = static_cast<std::uint8_t>((maskKey ? 0x80 : 0x00) | len);
  std::size_t pos = 2;
  if (maskKey) {
    std::memcpy(f.bytes.data() + pos, maskKey, 4);
    pos += 4;
  }
  std::uint8_t* payload = f.bytes.data() + pos;
  if (headLen) std::memcpy(payload, head, headLen);
  if (tailLen) std::memcpy(payload + headLen, tail.data(), tailLen);
  if (maskKey) applyMask(payload, len, {maskKey[0], maskKey[1], maskKey[2], maskKey[3]});
  f.size = pos + len;
  return f;
}

}  // namespace

ControlFrame makeClose(std::uint16_t code, std::string_view reason, const std::uint8_t* maskKey) {
  // 1005 means "no status": it is sent as a close frame without a payload.
  if (code == close_code::NoStatus) return makeControl(Opcode::Close, nullptr, 0, {}, maskKey);
  if (reason.size() > kMaxCloseReason) {
    std::size_t cut = kMaxCloseReason;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<std::uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  const std::uint8_t head[2] = {static_cast<std::uint8_t>(code >> 8),
                                static_cast<std::uint8_t>(code & 0xFF)};
  return makeControl(Opcode::Close, head, 2, reason, maskKey);
}

ControlFrame makePing(std::string_view payload, const std::uint8_t* maskKey) {
  return makeControl(Opcode::Ping, nullptr, 0, payload, maskKey);
}

ControlFrame makePong(std::string_view payload, const std::uint8_t* maskKey) {
  return makeControl(Opcode::Pong, nullptr, 0, payload, maskKey);
}

bool parseClosePayload(std::string_view payload, std::uint16_t& code, std::string_view& reason) {
  if (payload.empty()) {
    code = close_code::NoStatus;
    reason = {};
    return true;
  }
  if (payload.size() < 2) return false;
  const auto c = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                            static_cast<std::uint8_t>(payload[1]));
  if (!isValidWireCloseCode(c)) return false;
  const std::string_view r = payload.substr(2);
  if (!isValidUtf8(r)) return false;
  code = c;
  reason = r;
  return true;
}

}  // namespace wsedge::ws
