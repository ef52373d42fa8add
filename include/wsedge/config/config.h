#pragma once
// The immutable configuration snapshot. Built once by the loader, shared by
// every worker as std::shared_ptr<const Config>; a session keeps the snapshot
// it started with. Defaults live in config/defaults.h and nowhere else.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

struct Limits {
  std::uint64_t maxRequestHead = 0;
  std::uint64_t maxFrame = 0;
  std::uint64_t maxMessage = 0;
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
};

struct Route {
  std::optional<std::string> host;  // lower-cased, no port; absent = any host
  std::string pathPrefix;           // "/" when absent
  std::string pool;
  std::size_t poolIndex = 0;        // index into Config::pools, resolved by the loader
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

  const Pool* findPool(std::string_view name) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

std::string_view balanceName(BalanceKind k);

}  // namespace wsedge::config
