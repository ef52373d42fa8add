#pragma once
// PROXY protocol v1 (text) and v2 (binary) header parser, for listeners with
// proxy_protocol = true behind an L4 balancer. Pure and incremental:
// feed(bytes) -> {consumed, status}; it consumes only the header's bytes, so
// whatever follows in the same read (TLS ClientHello, the HTTP request) is
// left for the next stage. Memory is bounded: at most 232 bytes are kept
// (v1 line of 107 bytes, v2 fixed part plus the largest address block); v2
// TLVs are skipped without being stored. Never throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wsedge/core/result.h"
#include "wsedge/policy/ip_address.h"

namespace wsedge::policy {

struct ProxyHeader {
  enum class Version : std::uint8_t { V1 = 1, V2 = 2 };
  enum class Command : std::uint8_t { Local, Proxy };
  enum class Family : std::uint8_t { Unknown, V4, V6, Unix };

  Version version = Version::V1;
  Command command = Command::Proxy;
  Family family = Family::Unknown;
  std::optional<IpAddress> source;       // set for PROXY with V4/V6
  std::optional<IpAddress> destination;  // set for PROXY with V4/V6

  /// True when the header names the real client; otherwise (LOCAL, UNKNOWN,
  /// UNIX) the caller keeps the socket's own peer address.
  bool hasClientAddress() const { return source.has_value(); }
};

class ProxyProtocolParser {
 public:
  /// Feeds the next bytes. Done: header() is valid and the bytes after
  /// `consumed` are the client's. Error (code 400): not a valid PROXY header;
  /// the caller closes the connection without an answer. After Done or Error,
  /// further feeds return the same status and consume nothing.
  core::FeedResult feed(std::string_view bytes);

  const ProxyHeader& header() const { return header_; }
  /// A short, log-safe reason for the last error.
  std::string_view errorReason() const { return errorReason_; }
  void reset();

  static constexpr std::size_t kMaxV1Line = 107;  // including CRLF (spec §2.1)

 private:
  enum class State { Detect, V1Line, V2Fixed, V2Address, V2Skip, Done, Error };
  core::FeedResult fail(std::size_t consumed, std::string_view why);
  bool parseV1(std::string_view line);
  bool parseV2Fixed();
  bool parseV2Address();

  State state_ = State::Detect;
  std::string buf_;
  std::size_t addressLen_ = 0;  // bytes of the v2 address block we keep
  std::size_t skipLeft_ = 0;    // v2 TLV bytes still to skip
  ProxyHeader header_;
  std::string errorReason_;
};

}  // namespace wsedge::policy
