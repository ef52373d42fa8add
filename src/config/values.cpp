#include "values.h"

#include <arpa/inet.h>

#include <charconv>
#include <limits>
#include <string>

#include "wsedge/config/loader.h"

namespace wsedge::config {
namespace detail {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::size_t countDigits(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && isDigit(s[n])) ++n;
  return n;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

/// Splits "<digits><unit>" and parses the digits; explains what is wrong in
/// terms of `example` (a well-formed value of the same kind).
struct NumberAndUnit {
  std::uint64_t number = 0;
  std::string_view unit;
};

core::Result<NumberAndUnit> splitNumber(std::string_view s, std::string_view example) {
  using R = core::Result<NumberAndUnit>;
  if (s.empty()) return R::fail("empty value; write e.g. " + quoted(example));
  if (s[0] == '-') return R::fail("negative values are not allowed");
  std::size_t digits = countDigits(s);
  if (digits == 0) return R::fail("must start with a number, e.g. " + quoted(example));
  NumberAndUnit out;
  auto [end, ec] = std::from_chars(s.data(), s.data() + digits, out.number);
  if (ec != std::errc() || end != s.data() + digits) return R::fail("number too large");
  out.unit = s.substr(digits);
  if (!out.unit.empty() && (out.unit[0] == '.' || out.unit[0] == ',')) {
    return R::fail("fractions are not supported; use a smaller unit");
  }
  return R::ok(out);
}

bool multiplyFits(std::uint64_t a, std::uint64_t b, std::uint64_t max) {
  return b == 0 || a <= max / b;
}

core::Result<std::uint16_t> portFromString(std::string_view s) {
  using R = core::Result<std::uint16_t>;
  if (s.empty()) return R::fail("missing port after ':'");
  if (countDigits(s) != s.size()) return R::fail("bad port " + quoted(s) + " (ports are 1..65535)");
  if (s.size() > 5) return R::fail("port " + std::string(s) + " is out of range (1..65535)");
  unsigned value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  if (value == 0) return R::fail("port 0 is not allowed (ports are 1..65535)");
  if (value > 65535) return R::fail("port " + std::string(s) + " is out of range (1..65535)");
  return R::ok(static_cast<std::uint16_t>(value));
}

bool isIpv4(const std::string& host) {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool isIpv6(const std::string& host) {
  in6_addr a{};
  return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

bool looksNumeric(std::string_view host) {
  for (char c : host) {
    if (!isDigit(c) && c != '.') return false;
  }
  return true;
}

/// RFC 1123 host name: dot-separated labels of letters, digits and '-', no
/// label empty, longer than 63 or starting/ending with '-'.
bool isDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool ok = isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

core::Result<Millis> durationFromString(std::string_view s) {
  using R = core::Result<Millis>;
  constexpr std::string_view kUnits = "units: ms, s, m, h";
  if (s == "0") return R::ok(Millis{0});
  auto split = splitNumber(s, "10s");
  if (!split) return R::fail(split.error());
  const auto& [number, unit] = split.value();
  std::uint64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit.empty()) {
    return R::fail("missing unit: write " + quoted(std::string(s) + "s") + " or " +
                   quoted(std::string(s) + "ms") + " (" + std::string(kUnits) + ")");
  } else {
    return R::fail("unknown unit " + quoted(unit) + " (" + std::string(kUnits) + ")");
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<Millis::rep>::max());
  if (!multiplyFits(number, scale, kMax)) return R::fail("duration too large");
  return R::ok(Millis{static_cast<Millis::rep>(number * scale)});
}

core::Result<std::uint64_t> sizeFromString(std::string_view s) {
  using R = core::Result<std::uint64_t>;
  auto split = splitNumber(s, "64KiB");
  if (!split) return R::fail(split.error());
  const auto& [number, unit] = split.value();
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "KiB") {
    scale = 1024;
  } else if (unit == "MiB") {
    scale = 1024 * 1024;
  } else if (unit == "GiB") {
    scale = 1024 * 1024 * 1024;
  } else {
    return R::fail("unknown unit " + quoted(unit) + " (units: B, KiB, MiB, GiB)");
  }
  if (!multiplyFits(number, scale, std::numeric_limits<std::uint64_t>::max())) {
    return R::fail("size too large");
  }
  return R::ok(number * scale);
}

core::Result<HostPort> hostPortFromString(std::string_view s, bool allowName) {
  using R = core::Result<HostPort>;
  HostPort out;
  out.text = std::string(s);
  if (s.empty()) return R::fail("empty address");
  std::string_view portText;
  if (s[0] == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos) return R::fail("missing ']' after the IPv6 address");
    out.host = std::string(s.substr(1, close - 1));
    out.ipv6 = true;
    if (!isIpv6(out.host)) return R::fail(quoted(out.host) + " is not a valid IPv6 address");
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return R::fail("missing port: write \"[" + out.host + "]:PORT\"");
    if (rest[0] != ':') return R::fail("expected ':' and a port after ']'");
    portText = rest.substr(1);
  } else {
    std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) {
      return R::fail("missing port: write \"HOST:PORT\", e.g. \"127.0.0.1:8080\"");
    }
    if (s.find(':') != colon) {
      return R::fail("IPv6 addresses need brackets, e.g. \"[::1]:8080\"");
    }
    out.host = std::string(s.substr(0, colon));
    portText = s.substr(colon + 1);
    if (out.host.empty()) return R::fail("missing host before ':'");
    if (!isIpv4(out.host)) {
      if (looksNumeric(out.host)) return R::fail(quoted(out.host) + " is not a valid IPv4 address");
      if (!allowName) {
        return R::fail("host must be a numeric IPv4 or [IPv6] address, not the name " +
                       quoted(out.host));
      }
      if (!isDnsName(out.host)) return R::fail(quoted(out.host) + " is not a valid host name");
    }
  }
  auto port = portFromString(portText);
  if (!port) return R::fail(port.error());
  out.port = port.value();
  return R::ok(std::move(out));
}

}  // namespace detail

std::optional<Millis> parseDuration(std::string_view s) {
  auto r = detail::durationFromString(s);
  if (!r) return std::nullopt;
  return r.value();
}

std::optional<std::uint64_t> parseSize(std::string_view s) {
  auto r = detail::sizeFromString(s);
  if (!r) return std::nullopt;
  return r.value();
}

std::optional<HostPort> parseHostPort(std::string_view s, bool allowName) {
  auto r = detail::hostPortFromString(s, allowName);
  if (!r) return std::nullopt;
  return std::move(r).value();
}

}  // namespace wsedge::config
