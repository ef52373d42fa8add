#include "wsedge/policy/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace wsedge::policy {

std::optional<IpAddress> IpAddress::parse(std::string_view text, std::uint16_t port) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return v4(raw, port);
  if (inet_pton(AF_INET6, buf, raw) == 1) return v6(raw, port);
  return std::nullopt;
}

IpAddress IpAddress::v4(const std::uint8_t b[4], std::uint16_t port) {
  IpAddress a;
  a.family = Family::V4;
  std::memcpy(a.bytes.data(), b, 4);
  a.port = port;
  return a;
}

IpAddress IpAddress::v6(const std::uint8_t b[16], std::uint16_t port) {
  IpAddress a;
  a.family = Family::V6;
  std::memcpy(a.bytes.data(), b, 16);
  a.port = port;
  return a;
}

IpAddress IpAddress::unmapped() const {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (family == Family::V6 && std::memcmp(bytes.data(), kMapped, 12) == 0) {
    return v4(bytes.data() + 12, port);
  }
  return *this;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace wsedge::policy
