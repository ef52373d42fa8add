#pragma once
// The immutable configuration snapshot. Built once by the loader, shared by
// every worker as std::shared_ptr<const Config>; a session keeps the snapshot
// it started with. Defaults live in config/defaults.h and nowhere else.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wsedge/core/log.h"

namespace wsedge::config {

using Millis = std::chrono::milliseconds;

/// A parsed "host:port" / "[v6]:port". `host` is a numeric IPv4 or IPv6 literal
/// (no brackets) or, for backends only, a DNS name resolved at connect time.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  bool ipv6 = false;
  std::string text;  // as written in the file
};

struct Global {
  unsigned workers = 0;  // resolved: "auto" becomes the number of cores
  std::uint64_t maxConnections = 0;
  core::LogLevel logLevel = core::LogLevel::Info;
  core::LogFormat logFormat = core::LogFormat::Json;
  std::string accessLog;  // path, "stderr" or "off"
};

struct Timeouts {
  Millis handshake{};
  Millis upstreamConnect{};
  Millis upstreamHandshake{};
};

/// What a connection over its message or byte rate gets.
enum class RateExceeded { Throttle, Close };

struct Limits {
  std::uint64_t maxRequestHead = 0;
  std::uint64_t maxFrame = 0;
  std::uint64_t maxMessage = 0;
  // Per connection (client -> backend); 0 = unlimited.
  std::uint64_t clientMessagesPerSecond = 0;
  std::uint64_t clientMessagesBurst = 0;
  std::uint64_t clientBytesPerSecond = 0;
  RateExceeded onRateExceeded = RateExceeded::Throttle;
  // Per client IP, process-wide; 0 = unlimited.
  std::uint64_t perIpConnections = 0;
  std::uint64_t perIpHandshakesPerSecond = 0;
  std::uint64_t perIpHandshakesBurst = 0;
  unsigned ipv6Prefix = 64;
  std::uint64_t perIpMaxEntries = 0;  // per-IP states kept (bounded memory); restart to change

  bool connectionRateLimited() const {
    return clientMessagesPerSecond != 0 || clientBytesPerSecond != 0;
  }
};

/// A place in the configuration file, for errors found after loading (by the
/// policy module, which the config module cannot depend on).
struct Place {
  int line = 0;  // 1-based; 0 = unknown
  int column = 0;
};

/// One certificate (PEM, leaf first then its chain) and its private key (PEM).
/// Paths as written in the file: relative paths are relative to wsedge's
/// working directory. The loader has checked both files (readable, matching,
/// not expired); the tls module loads them again when a runtime is built.
struct CertificateFiles {
  std::string cert;
  std::string key;
};

enum class TlsVersion { V1_2, V1_3 };

/// [listeners.tls]: present = the listener speaks TLS (wss://).
struct ListenerTls {
  std::vector<CertificateFiles> certificates;  // the first is the SNI default
  TlsVersion minVersion = TlsVersion::V1_2;
};

struct Listener {
  std::string name;
  HostPort address;
  std::optional<ListenerTls> tls;
  bool proxyProtocol = false;  // a PROXY v1/v2 header must precede everything else
};

struct Route {
  std::optional<std::string> host;  // lower-cased, no port; absent = any host
  std::string pathPrefix;           // "/" when absent
  std::string pool;
  std::size_t poolIndex = 0;        // index into Config::pools, resolved by the loader
  // Origin check, as written: policy::OriginPolicy::parse validates the
  // patterns (errors at allowedOriginPlaces[i]). Absent = any origin.
  std::optional<std::vector<std::string>> allowedOrigins;
  std::vector<Place> allowedOriginPlaces;
  bool requireOrigin = false;
  std::optional<std::string> auth;  // the name of an [auth.NAME] table
  Place authPlace;
  std::size_t authIndex = 0;        // index into Config::auth, resolved by the loader
};

/// One [auth.NAME] table (type = "jwt"), kept as written: the policy module
/// loads the keys and checks the rest (policy::buildJwtConfig), and reports
/// each error at the place of the key it names (see placeOf).
struct Auth {
  std::string name;
  Place place;  // the table itself
  std::vector<std::string> algorithms;
  std::string secret;
  std::string secretFile;
  std::string jwksFile;
  std::string publicKeyFile;
  std::string issuer;
  std::vector<std::string> audience;
  Millis leeway{};
  std::vector<std::string> tokenFrom;
  std::vector<std::pair<std::string, std::string>> forwardClaims;  // claim -> header
  bool closeOnExpiry = false;
  std::vector<std::pair<std::string, Place>> keyPlaces;  // key name -> where it is written

  /// Where `key` is written; the table's place when it is not.
  Place placeOf(std::string_view key) const;
};

enum class BalanceKind { RoundRobin, LeastConn, Hash };

struct Server {
  std::string name;
  HostPort address;
  unsigned weight = 1;
  bool tls = false;                 // wss to this backend
  std::string caFile;               // "" = the system trust store
  std::string serverName;           // SNI and verified name; "" = host of address
  bool insecureSkipVerify = false;  // explicit, logged opt-out of verification
};

struct Pool {
  std::string name;
  BalanceKind balance = BalanceKind::RoundRobin;
  std::vector<Server> servers;
};

struct Config {
  std::string sourcePath;
  Global global;
  Timeouts timeouts;
  Limits limits;
  std::vector<Listener> listeners;
  std::vector<Route> routes;
  std::vector<Pool> pools;
  std::vector<Auth> auth;  // in file order

  const Pool* findPool(std::string_view name) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

std::string_view balanceName(BalanceKind k);

}  // namespace wsedge::config
