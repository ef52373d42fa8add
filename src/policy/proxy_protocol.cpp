#include "wsedge/policy/proxy_protocol.h"

#include <algorithm>
#include <cstring>

namespace wsedge::policy {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr char kV2SigBytes[12] = {'\r', '\n', '\r', '\n', '\0', '\r',
                                  '\n', 'Q',  'U',  'I',  'T',  '\n'};
constexpr std::string_view kV2Sig(kV2SigBytes, 12);
constexpr std::size_t kV2FixedLen = 16;

// Splits on single spaces; false when there are empty fields.
bool splitSpaces(std::string_view s, std::string_view* out, std::size_t want) {
  std::size_t n = 0;
  while (true) {
    const auto sp = s.find(' ');
    const std::string_view field = s.substr(0, sp);
    if (field.empty() || n == want) return false;
    out[n++] = field;
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return n == want;
}

std::optional<std::uint16_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

}  // namespace

void ProxyProtocolParser::reset() { *this = ProxyProtocolParser(); }

core::FeedResult ProxyProtocolParser::fail(std::size_t consumed, std::string_view why) {
  state_ = State::Error;
  errorReason_ = why;
  buf_.clear();
  return core::FeedResult::error(consumed, 400);
}

core::FeedResult ProxyProtocolParser::feed(std::string_view bytes) {
  std::size_t used = 0;
  while (true) {
    switch (state_) {
      case State::Done:
        return core::FeedResult::done(used);
      case State::Error:
        return core::FeedResult::error(used, 400);
      case State::Detect: {
        if (used == bytes.size()) return core::FeedResult::needMore(used);
        // Grow the signature one byte at a time so a mismatch is caught as
        // early as possible (a plain HTTP request fails on its first byte).
        buf_.push_back(bytes[used++]);
        const bool v1 = kV1Prefix.substr(0, buf_.size()) == buf_;
        const bool v2 = kV2Sig.substr(0, std::min(buf_.size(), kV2Sig.size())) == buf_;
        if (!v1 && !v2) return fail(used, "no_proxy_signature");
        if (v1 && buf_.size() == kV1Prefix.size()) state_ = State::V1Line;
        if (v2 && buf_.size() == kV2Sig.size()) state_ = State::V2Fixed;
        break;
      }
      case State::V1Line: {
        if (used == bytes.size()) return core::FeedResult::needMore(used);
        const char c = bytes[used++];
        buf_.push_back(c);
        if (c == '\n') {
          if (buf_.size() < 2 || buf_[buf_.size() - 2] != '\r') return fail(used, "v1_bare_lf");
          if (!parseV1(std::string_view(buf_).substr(0, buf_.size() - 2))) {
            return core::FeedResult::error(used, 400);
          }
          state_ = State::Done;
          buf_.clear();
          break;
        }
        if (buf_.size() >= 2 && buf_[buf_.size() - 2] == '\r') return fail(used, "v1_bare_cr");
        if (buf_.size() >= kMaxV1Line) return fail(used, "v1_too_long");
        break;
      }
      case State::V2Fixed: {
        const std::size_t take = std::min(kV2FixedLen - buf_.size(), bytes.size() - used);
        buf_.append(bytes.substr(used, take));
        used += take;
        if (buf_.size() < kV2FixedLen) return core::FeedResult::needMore(used);
        if (!parseV2Fixed()) return core::FeedResult::error(used, 400);
        break;
      }
      case State::V2Address: {
        const std::size_t want = kV2FixedLen + addressLen_;
        const std::size_t take = std::min(want - buf_.size(), bytes.size() - used);
        buf_.append(bytes.substr(used, take));
        used += take;
        if (buf_.size() < want) return core::FeedResult::needMore(used);
        if (!parseV2Address()) return core::FeedResult::error(used, 400);
        state_ = skipLeft_ > 0 ? State::V2Skip : State::Done;
        buf_.clear();
        break;
      }
      case State::V2Skip: {
        const std::size_t take = std::min(skipLeft_, bytes.size() - used);
        skipLeft_ -= take;
        used += take;
        if (skipLeft_ > 0) return core::FeedResult::needMore(used);
        state_ = State::Done;
        break;
      }
    }
  }
}

bool ProxyProtocolParser::parseV1(std::string_view line) {
  header_ = ProxyHeader{};
  header_.version = ProxyHeader::Version::V1;
  line.remove_prefix(kV1Prefix.size());
  // "UNKNOWN" may be followed by anything (the spec says receivers ignore it).
  if (line == "UNKNOWN" || line.substr(0, 8) == "UNKNOWN ") {
    header_.family = ProxyHeader::Family::Unknown;
    return true;
  }
  std::string_view f[5];
  if (!splitSpaces(line, f, 5)) {
    fail(0, "v1_fields");
    return false;
  }
  ProxyHeader::Family fam;
  if (f[0] == "TCP4") {
    fam = ProxyHeader::Family::V4;
  } else if (f[0] == "TCP6") {
    fam = ProxyHeader::Family::V6;
  } else {
    fail(0, "v1_protocol");
    return false;
  }
  const auto sport = parsePort(f[3]);
  const auto dport = parsePort(f[4]);
  if (!sport || !dport) {
    fail(0, "v1_port");
    return false;
  }
  auto src = IpAddress::parse(f[1], *sport);
  auto dst = IpAddress::parse(f[2], *dport);
  const auto want = fam == ProxyHeader::Family::V4 ? IpAddress::Family::V4 : IpAddress::Family::V6;
  if (!src || !dst || src->family != want || dst->family != want) {
    fail(0, "v1_address");
    return false;
  }
  header_.family = fam;
  header_.source = src;
  header_.destination = dst;
  return true;
}

bool ProxyProtocolParser::parseV2Fixed() {
  header_ = ProxyHeader{};
  header_.version = ProxyHeader::Version::V2;
  const auto verCmd = static_cast<std::uint8_t>(buf_[12]);
  const auto fam = static_cast<std::uint8_t>(buf_[13]);
  const std::size_t len =
      (static_cast<std::uint8_t>(buf_[14]) << 8) | static_cast<std::uint8_t>(buf_[15]);
  if ((verCmd >> 4) != 2) {
    fail(0, "v2_version");
    return false;
  }
  const auto cmd = verCmd & 0x0f;
  if (cmd > 1) {
    fail(0, "v2_command");
    return false;
  }
  header_.command = cmd == 0 ? ProxyHeader::Command::Local : ProxyHeader::Command::Proxy;
  const auto addrFamily = fam >> 4;
  const auto transport = fam & 0x0f;
  if (addrFamily > 3 || transport > 2) {
    fail(0, "v2_family");
    return false;
  }
  static constexpr std::size_t kAddrLen[4] = {0, 12, 36, 216};
  static constexpr ProxyHeader::Family kFam[4] = {ProxyHeader::Family::Unknown,
                                                  ProxyHeader::Family::V4, ProxyHeader::Family::V6,
                                                  ProxyHeader::Family::Unix};
  header_.family = kFam[addrFamily];
  // LOCAL (health checks from the balancer itself) carries no address we use:
  // skip whatever block it has. UNSPEC likewise.
  addressLen_ = header_.command == ProxyHeader::Command::Local ? 0 : kAddrLen[addrFamily];
  if (len < addressLen_) {
    fail(0, "v2_short_address");
    return false;
  }
  skipLeft_ = len - addressLen_;
  state_ = State::V2Address;
  return true;
}

bool ProxyProtocolParser::parseV2Address() {
  if (header_.command == ProxyHeader::Command::Local) return true;
  const auto* p = reinterpret_cast<const std::uint8_t*>(buf_.data()) + kV2FixedLen;
  auto port = [](const std::uint8_t* b) { return static_cast<std::uint16_t>((b[0] << 8) | b[1]); };
  if (header_.family == ProxyHeader::Family::V4) {
    header_.source = IpAddress::v4(p, port(p + 8));
    header_.destination = IpAddress::v4(p + 4, port(p + 10));
  } else if (header_.family == ProxyHeader::Family::V6) {
    header_.source = IpAddress::v6(p, port(p + 32));
    header_.destination = IpAddress::v6(p + 16, port(p + 34));
  }
  return true;
}

}  // namespace wsedge::policy
