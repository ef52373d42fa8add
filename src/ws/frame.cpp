#include "wsedge/ws/frame.h"

#include <cstring>

namespace wsedge::ws {

bool isValidWireCloseCode(std::uint16_t code) {
  // 1004 is reserved, 1005/1006/1015 are for local reporting only, and the
  // rest of 1000-2999 is unassigned; 3000-4999 belong to libraries and apps.
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003:
    case 1007: case 1008: case 1009: case 1010:
    case 1011: case 1012: case 1013: case 1014:
      return true;
    default:
      return false;
  }
}

void applyMask(std::uint8_t* data, std::size_t len, const std::array<std::uint8_t, 4>& mask,
               std::size_t offset) {
  // Rotate the key so that key[0] applies to data[0]; then a 64-bit word made
  // of the rotated key twice masks 8 bytes per step, whatever the alignment.
  std::uint8_t key[8];
  for (std::size_t i = 0; i < 8; ++i) key[i] = mask[(offset + i) & 3];
  std::uint64_t word;
  std::memcpy(&word, key, sizeof word);

  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, data + i, sizeof chunk);
    chunk ^= word;
    std::memcpy(data + i, &chunk, sizeof chunk);
  }
  for (; i < len; ++i) data[i] ^= key[i & 7];
}

}  // namespace wsedge::ws
