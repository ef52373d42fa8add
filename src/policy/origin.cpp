#include "wsedge/policy/origin.h"

#include <algorithm>
#include <cctype>

namespace wsedge::policy {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::uint16_t defaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

bool validScheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  });
}

// A DNS name or IPv4 literal: letters, digits, '-', '.', '_' ; no empty labels.
bool validHostName(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
  if (h.find("..") != std::string_view::npos) return false;
  return std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

bool validIpv6(std::string_view h) {
  if (h.empty() || h.size() > 45) return false;
  return std::all_of(h.begin(), h.end(),
                     [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
}

// Parses scheme://host[:port]; `allowWildcard` lets the host start with "*.".
std::optional<OriginPattern> parseSerialized(std::string_view text, bool allowWildcard,
                                             std::string& error) {
  OriginPattern p;
  if (text == "null") {
    p.isNull = true;
    return p;
  }
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    error = "expected scheme://host[:port] or \"null\"";
    return std::nullopt;
  }
  const std::string_view scheme = text.substr(0, sep);
  if (!validScheme(scheme)) {
    error = "bad scheme";
    return std::nullopt;
  }
  p.scheme = lower(scheme);
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    error = "an origin has no path, query, fragment or user info";
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal";
      return std::nullopt;
    }
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        error = "junk after IPv6 literal";
        return std::nullopt;
      }
      port = after.substr(1);
      if (port.empty()) {
        error = "empty port";
        return std::nullopt;
      }
    }
    if (!validIpv6(host)) {
      error = "bad IPv6 literal";
      return std::nullopt;
    }
  } else {
    const auto colon = rest.rfind(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) {
        error = "empty port";
        return std::nullopt;
      }
    }
    if (allowWildcard && host.substr(0, 2) == "*.") {
      p.wildcard = true;
      host.remove_prefix(2);
    }
    if (host.find('*') != std::string_view::npos) {
      error = allowWildcard ? "a wildcard is only allowed as the first label (\"*.example.com\")"
                            : "bad host";
      return std::nullopt;
    }
    if (!validHostName(host)) {
      error = "bad host";
      return std::nullopt;
    }
  }
  p.host = lower(host);
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
      error = "bad port";
      return std::nullopt;
    }
    const unsigned long v = std::stoul(std::string(port));
    if (v == 0 || v > 65535) {
      error = "bad port";
      return std::nullopt;
    }
    p.port = static_cast<std::uint16_t>(v);
  } else {
    p.port = defaultPort(p.scheme);
  }
  return p;
}

bool matches(const OriginPattern& pat, const OriginPattern& o) {
  if (pat.isNull || o.isNull) return pat.isNull && o.isNull;
  if (pat.scheme != o.scheme || pat.port != o.port) return false;
  if (!pat.wildcard) return pat.host == o.host;
  // "*.example.com": the origin's host must end in ".example.com" with at least
  // one label before it.
  const std::string suffix = "." + pat.host;
  return o.host.size() > suffix.size() &&
         o.host.compare(o.host.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<OriginPattern> parseOrigin(std::string_view value) {
  std::string ignored;
  return parseSerialized(value, false, ignored);
}

std::optional<OriginPattern> OriginPolicy::parsePattern(std::string_view text, std::string& error) {
  if (text == "*") {
    error = "\"*\" is not a pattern: leave allowed_origins out to allow any origin";
    return std::nullopt;
  }
  return parseSerialized(text, true, error);
}

OriginPolicy OriginPolicy::any(bool requireOrigin) {
  OriginPolicy p;
  p.any_ = true;
  p.requireOrigin_ = requireOrigin;
  return p;
}

core::Result<OriginPolicy> OriginPolicy::parse(const std::vector<std::string>& patterns,
                                               bool requireOrigin) {
  OriginPolicy p;
  p.requireOrigin_ = requireOrigin;
  for (const auto& text : patterns) {
    std::string error;
    auto pat = parsePattern(text, error);
    if (!pat)
      return core::Result<OriginPolicy>::fail("allowed_origins: \"" + text + "\": " + error);
    p.patterns_.push_back(std::move(*pat));
  }
  return core::Result<OriginPolicy>::ok(std::move(p));
}

bool OriginPolicy::allowed(std::optional<std::string_view> origin) const {
  if (!origin) return !requireOrigin_;
  const auto parsed = parseOrigin(*origin);
  if (!parsed) return false;  // not an origin at all: never allowed, even with "any"
  if (any_) return true;
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [&](const OriginPattern& pat) { return matches(pat, *parsed); });
}

}  // namespace wsedge::policy
