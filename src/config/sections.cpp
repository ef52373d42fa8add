// The scalar sections: [global], [timeouts], [limits].
#include <limits>
#include <thread>

#include "reader.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {
namespace {

unsigned autoWorkers() {
  unsigned n = std::thread::hardware_concurrency();
  if (n < defaults::kMinWorkers) n = defaults::kMinWorkers;
  if (n > defaults::kMaxWorkers) n = defaults::kMaxWorkers;
  return n;
}

void readWorkers(Reader& r, const toml::node& n, unsigned& out) {
  if (const auto* s = n.as_string()) {
    if (s->get() == defaults::kWorkers) {
      out = autoWorkers();
    } else {
      r.error(n, "global.workers: must be \"auto\" or an integer from " +
                     std::to_string(defaults::kMinWorkers) + " to " +
                     std::to_string(defaults::kMaxWorkers) + ", got \"" + s->get() + "\"");
    }
    return;
  }
  if (auto v = r.integer(n, "global.workers", defaults::kMinWorkers, defaults::kMaxWorkers)) {
    out = static_cast<unsigned>(*v);
  }
}

void readRequestHead(Reader& r, const toml::node& n, std::uint64_t& out) {
  auto v = r.size(n, "limits.max_request_head");
  if (!v) return;
  if (*v < defaults::kMaxRequestHeadLowest || *v > defaults::kMaxRequestHeadHighest) {
    r.error(n, "limits.max_request_head: must be from 1KiB to 1MiB, got " + std::to_string(*v) +
                   " bytes");
    return;
  }
  out = *v;
}

void readFrameLimit(Reader& r, const toml::node& n, std::string_view path, std::uint64_t& out) {
  auto v = r.size(n, path);
  if (!v) return;
  if (*v < defaults::kMinFrameOrMessage) {
    r.error(n, std::string(path) +
                   ": must be at least 125 bytes (the largest control frame), got " +
                   std::to_string(*v));
    return;
  }
  out = *v;
}

/// The rate and per-IP keys of [limits]: counts are integers >= 0 (0 = unlimited).
void readRateLimits(Reader& r, const toml::table& t, Limits& out) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  auto count = [&](std::string_view key, std::uint64_t& field, std::int64_t min) {
    if (const auto* n = t.get(key)) {
      if (auto v = r.integer(*n, joinPath("limits", key), min, kMax)) {
        field = static_cast<std::uint64_t>(*v);
      }
    }
  };
  count("client_messages_per_second", out.clientMessagesPerSecond, 0);
  count("client_messages_burst", out.clientMessagesBurst, 0);
  count("client_bytes_per_second", out.clientBytesPerSecond, 0);
  count("per_ip_connections", out.perIpConnections, 0);
  count("per_ip_handshakes_per_second", out.perIpHandshakesPerSecond, 0);
  count("per_ip_handshakes_burst", out.perIpHandshakesBurst, 0);
  count("per_ip_max_entries", out.perIpMaxEntries,
        static_cast<std::int64_t>(defaults::kPerIpMaxEntriesLowest));
  if (const auto* n = t.get("on_rate_exceeded")) {
    if (auto i = r.choice(*n, "limits.on_rate_exceeded", {"throttle", "close"})) {
      out.onRateExceeded = *i == 0 ? RateExceeded::Throttle : RateExceeded::Close;
    }
  }
  if (const auto* n = t.get("ipv6_prefix")) {
    if (auto v = r.integer(*n, "limits.ipv6_prefix", 1, 128)) {
      out.ipv6Prefix = static_cast<unsigned>(*v);
    }
  }
}

}  // namespace

void readGlobal(Reader& r, const toml::table& doc, Global& out) {
  out.workers = autoWorkers();
  out.maxConnections = defaults::kMaxConnections;
  out.logLevel = defaults::kLogLevel;
  out.logFormat = defaults::kLogFormat;
  out.accessLog = std::string(defaults::kAccessLog);
  const toml::table* t = r.table(doc, "global", "");
  if (t == nullptr) return;
  r.rejectUnknownKeys(*t, "global",
                      {"workers", "max_connections", "log_level", "log_format", "access_log"}, {});
  if (const auto* n = t->get("workers")) readWorkers(r, *n, out.workers);
  if (const auto* n = t->get("max_connections")) {
    if (auto v =
            r.integer(*n, "global.max_connections", 1, std::numeric_limits<std::int64_t>::max())) {
      out.maxConnections = static_cast<std::uint64_t>(*v);
    }
  }
  if (const auto* n = t->get("log_level")) {
    if (auto i = r.choice(*n, "global.log_level", {"debug", "info", "warn", "error"})) {
      out.logLevel = static_cast<core::LogLevel>(*i);
    }
  }
  if (const auto* n = t->get("log_format")) {
    if (auto i = r.choice(*n, "global.log_format", {"json", "text"})) {
      out.logFormat = *i == 0 ? core::LogFormat::Json : core::LogFormat::Text;
    }
  }
  if (const auto* n = t->get("access_log")) {
    if (auto s = r.string(*n, "global.access_log")) {
      if (s->empty()) {
        r.error(*n, "global.access_log: must be a path, \"stderr\" or \"off\", not empty");
      } else {
        out.accessLog = *s;
      }
    }
  }
}

void readTimeouts(Reader& r, const toml::table& doc, Timeouts& out) {
  out.handshake = defaults::kHandshakeTimeout;
  out.upstreamConnect = defaults::kUpstreamConnectTimeout;
  out.upstreamHandshake = defaults::kUpstreamHandshakeTimeout;
  const toml::table* t = r.table(doc, "timeouts", "");
  if (t == nullptr) return;
  r.rejectUnknownKeys(*t, "timeouts", {"handshake", "upstream_connect", "upstream_handshake"},
                      {"idle", "ping_interval", "pong_timeout", "max_lifetime", "drain",
                       "drain_spread", "drain_delay"});
  auto one = [&](std::string_view key, Millis& field) {
    if (const auto* n = t->get(key)) {
      if (auto d = r.duration(*n, joinPath("timeouts", key))) field = *d;
    }
  };
  one("handshake", out.handshake);
  one("upstream_connect", out.upstreamConnect);
  one("upstream_handshake", out.upstreamHandshake);
}

void readLimits(Reader& r, const toml::table& doc, Limits& out) {
  out.clientMessagesPerSecond = out.clientMessagesBurst = out.clientBytesPerSecond =
      defaults::kRateUnlimited;
  out.perIpConnections = out.perIpHandshakesPerSecond = out.perIpHandshakesBurst =
      defaults::kRateUnlimited;
  out.onRateExceeded = defaults::kOnRateExceeded;
  out.ipv6Prefix = defaults::kIpv6Prefix;
  out.perIpMaxEntries = defaults::kPerIpMaxEntries;
  out.maxRequestHead = defaults::kMaxRequestHead;
  out.maxFrame = defaults::kMaxFrame;
  out.maxMessage = defaults::kMaxMessage;
  const toml::table* t = r.table(doc, "limits", "");
  if (t == nullptr) return;
  r.rejectUnknownKeys(*t, "limits",
                      {"max_request_head", "max_frame", "max_message",
                       "client_messages_per_second", "client_messages_burst",
                       "client_bytes_per_second", "on_rate_exceeded", "per_ip_connections",
                       "per_ip_handshakes_per_second", "per_ip_handshakes_burst", "ipv6_prefix",
                       "per_ip_max_entries"},
                      {});
  if (const auto* n = t->get("max_request_head")) readRequestHead(r, *n, out.maxRequestHead);
  if (const auto* n = t->get("max_frame")) readFrameLimit(r, *n, "limits.max_frame", out.maxFrame);
  if (const auto* n = t->get("max_message")) {
    readFrameLimit(r, *n, "limits.max_message", out.maxMessage);
  }
  readRateLimits(r, *t, out);
}

}  // namespace wsedge::config::detail
