#pragma once
// The one table of configuration defaults and bounds. The loader takes every
// default from here and docs/configuration.md documents these exact values;
// change a value here and in the doc's row together, nowhere else.
#include <cstdint>
#include <string_view>

#include "wsedge/config/config.h"
#include "wsedge/core/log.h"

namespace wsedge::config::defaults {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;

// [global]
/// "auto": one worker per core (std::thread::hardware_concurrency(), at least 1).
inline constexpr std::string_view kWorkers = "auto";
inline constexpr unsigned kMinWorkers = 1;
inline constexpr unsigned kMaxWorkers = 256;
inline constexpr std::uint64_t kMaxConnections = 100000;
inline constexpr core::LogLevel kLogLevel = core::LogLevel::Info;
inline constexpr core::LogFormat kLogFormat = core::LogFormat::Json;
inline constexpr std::string_view kAccessLog = "stderr";

// [timeouts]; a zero duration means "disabled".
inline constexpr Millis kHandshakeTimeout{10'000};
inline constexpr Millis kUpstreamConnectTimeout{3'000};
inline constexpr Millis kUpstreamHandshakeTimeout{10'000};

// [limits]
inline constexpr std::uint64_t kMaxRequestHead = 16 * kKiB;
inline constexpr std::uint64_t kMaxRequestHeadLowest = 1 * kKiB;
inline constexpr std::uint64_t kMaxRequestHeadHighest = 1 * kMiB;
inline constexpr std::uint64_t kMaxFrame = 1 * kMiB;
inline constexpr std::uint64_t kMaxMessage = 4 * kMiB;
/// A control frame carries up to 125 bytes; a lower frame or message limit
/// would refuse legal pings and closes.
inline constexpr std::uint64_t kMinFrameOrMessage = 125;
/// Rates and per-IP limits: 0 = unlimited; a burst of 0 = one second's worth.
inline constexpr std::uint64_t kRateUnlimited = 0;
inline constexpr RateExceeded kOnRateExceeded = RateExceeded::Throttle;
inline constexpr unsigned kIpv6Prefix = 64;
/// Per-IP states kept by the process-wide limiter; idle ones are evicted
/// (least recently used first) beyond it, so a spoofed-source flood costs
/// bounded memory.
inline constexpr std::uint64_t kPerIpMaxEntries = 65536;
inline constexpr std::uint64_t kPerIpMaxEntriesLowest = 32;

// [[listeners]]
inline constexpr bool kProxyProtocol = false;

// [[routes]]: allowed_origins absent = any origin
inline constexpr bool kRequireOrigin = false;

// [auth.*]
inline constexpr std::string_view kAuthType = "jwt";
inline constexpr std::string_view kTokenFrom = "header:Authorization";
inline constexpr Millis kLeeway{0};
inline constexpr bool kCloseOnExpiry = false;

// [listeners.tls]
inline constexpr TlsVersion kTlsMinVersion = TlsVersion::V1_2;

// [[routes]]
inline constexpr std::string_view kPathPrefix = "/";

// [[pools]] and [[pools.servers]]
inline constexpr BalanceKind kBalance = BalanceKind::RoundRobin;
inline constexpr unsigned kWeight = 1;
inline constexpr unsigned kMinWeight = 1;
inline constexpr unsigned kMaxWeight = 256;
inline constexpr bool kServerTls = false;
inline constexpr bool kInsecureSkipVerify = false;

}  // namespace wsedge::config::defaults
