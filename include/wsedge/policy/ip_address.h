#pragma once
// A client IP address as policy sees it: family plus 16 bytes (IPv4 in the
// first 4), independent of sockets so pure code and tests can build one from text.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsedge::policy {

struct IpAddress {
  enum class Family : std::uint8_t { V4, V6 };
  Family family = Family::V4;
  std::array<std::uint8_t, 16> bytes{};
  std::uint16_t port = 0;

  /// "192.0.2.1" or "2001:db8::1" (no brackets, no port); nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text, std::uint16_t port = 0);
  static IpAddress v4(const std::uint8_t b[4], std::uint16_t port = 0);
  static IpAddress v6(const std::uint8_t b[16], std::uint16_t port = 0);
  /// ::ffff:a.b.c.d (from a dual-stack socket) becomes plain IPv4.
  IpAddress unmapped() const;
  /// Numeric text form without port.
  std::string toString() const;
  bool operator==(const IpAddress& o) const = default;
};

}  // namespace wsedge::policy
