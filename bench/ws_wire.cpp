#include "ws_wire.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace wsedge::bench {

HeadStatus parseFrameHead(const std::uint8_t* data, std::size_t size, FrameHead& out) {
  if (size < 2) return HeadStatus::NeedMore;
  out.fin = (data[0] & 0x80) != 0;
  out.opcode = data[0] & 0x0F;
  out.masked = (data[1] & 0x80) != 0;
  std::uint64_t len = data[1] & 0x7F;
  std::size_t pos = 2;
  if (len == 126) {
    if (size < 4) return HeadStatus::NeedMore;
    len = (std::uint64_t{data[2]} << 8) | data[3];
    pos = 4;
  } else if (len == 127) {
    if (size < 10) return HeadStatus::NeedMore;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | data[2 + i];
    if (len >> 63) return HeadStatus::Invalid;
    pos = 10;
  }
  if (out.masked) {
    if (size < pos + 4) return HeadStatus::NeedMore;
    std::memcpy(out.mask, data + pos, 4);
    pos += 4;
  }
  out.length = len;
  out.headerSize = pos;
  return HeadStatus::Done;
}

std::size_t writeFrameHead(std::uint8_t* out, bool fin, Opcode opcode, std::uint64_t length,
                           const std::uint8_t* mask) {
  out[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(opcode));
  const std::uint8_t maskBit = mask ? 0x80 : 0;
  std::size_t pos;
  if (length < 126) {
    out[1] = static_cast<std::uint8_t>(maskBit | length);
    pos = 2;
  } else if (length <= 0xFFFF) {
    out[1] = maskBit | 126;
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    pos = 4;
  } else {
    out[1] = maskBit | 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
    pos = 10;
  }
  if (mask) {
    std::memcpy(out + pos, mask, 4);
    pos += 4;
  }
  return pos;
}

void applyMask(std::uint8_t* data, std::size_t size, const std::uint8_t mask[4], std::size_t offset) {
  std::uint8_t rotated[8];
  for (int i = 0; i < 8; ++i) rotated[i] = mask[(offset + i) & 3];
  std::uint64_t word;
  std::memcpy(&word, rotated, 8);
  std::size_t i = 0;
  // Eight bytes at a time: the echo backend unmasks every byte it receives.
  for (; i + 8 <= size; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= word;
    std::memcpy(data + i, &chunk, 8);
  }
  for (; i < size; ++i) data[i] ^= rotated[i & 7];
}

std::string acceptKey(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

}  // namespace wsedge::bench
