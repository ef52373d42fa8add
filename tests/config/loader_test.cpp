// The loader: valid files become a Config; every problem is an error at the
// exact line and column of the offending key or value.
#include "wsedge/config/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "wsedge/config/defaults.h"

namespace wsedge::config {
namespace {

// A valid tail (listeners, routes, pools) so each test can put the part under
// test on the first lines and know their numbers.
constexpr const char* kTail = R"(
[[listeners]]
name = "public"
address = "127.0.0.1:8080"

[[routes]]
pool = "p"

[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)";

/// tests/config/data. WSEDGE_TEST_DATA is meant to name it, but
/// tests/CMakeLists.txt currently sets it to tests/data for every module; until
/// that is fixed, fall back to the folder of this file.
std::string dataDir() {
  std::string d = WSEDGE_TEST_DATA;
  if (d.ends_with("/config/data")) return d;
  return (std::filesystem::path(__FILE__).parent_path() / "data").string();
}

LoadResult load(const std::string& text) { return loadString(text, "t.toml"); }

/// The formatted errors, one per line, for readable failure output.
std::string allErrors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.format() + "\n";
  return out;
}

/// Asserts that loading `text` gives exactly one error, formatted as `expected`.
void expectOneError(const std::string& text, const std::string& expected) {
  auto r = load(text);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.config, nullptr);
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(), expected);
}

TEST(Loader, DefaultConfigFileLoads) {
  const std::string path = dataDir() + "/../../../conf/wsedge.toml";
  auto r = loadFile(path);
  ASSERT_TRUE(r.ok()) << allErrors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.sourcePath, path);
  EXPECT_GE(c.global.workers, 1u);
  EXPECT_EQ(c.global.maxConnections, 100000u);
  EXPECT_EQ(c.global.logLevel, core::LogLevel::Info);
  EXPECT_EQ(c.global.logFormat, core::LogFormat::Json);
  EXPECT_EQ(c.global.accessLog, "stderr");
  EXPECT_EQ(c.timeouts.handshake, Millis{10'000});
  EXPECT_EQ(c.limits.maxRequestHead, 16u * 1024);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].name, "public");
  EXPECT_EQ(c.listeners[0].address.host, "0.0.0.0");
  EXPECT_EQ(c.listeners[0].address.port, 8080);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].pathPrefix, "/");
  EXPECT_FALSE(c.routes[0].host.has_value());
  EXPECT_EQ(c.routes[0].pool, "echo");
  EXPECT_EQ(c.routes[0].poolIndex, 0u);
  const Pool* echo = c.findPool("echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->balance, BalanceKind::RoundRobin);
  ASSERT_EQ(echo->servers.size(), 2u);
  EXPECT_EQ(echo->servers[0].name, "echo-1");
  EXPECT_EQ(echo->servers[0].address.port, 9001);
  EXPECT_EQ(echo->servers[1].name, "echo-2");
  EXPECT_EQ(echo->servers[1].address.host, "127.0.0.1");
  EXPECT_EQ(echo->servers[1].address.port, 9002);
}

TEST(Loader, OmittedKeysTakeTheDefaults) {
  auto r = load(kTail);
  ASSERT_TRUE(r.ok()) << allErrors(r);
  const Config& c = *r.config;
  unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(c.global.workers, cores == 0 ? 1u : std::min(cores, defaults::kMaxWorkers));
  EXPECT_EQ(c.global.maxConnections, defaults::kMaxConnections);
  EXPECT_EQ(c.global.logLevel, defaults::kLogLevel);
  EXPECT_EQ(c.global.logFormat, defaults::kLogFormat);
  EXPECT_EQ(c.global.accessLog, defaults::kAccessLog);
  EXPECT_EQ(c.timeouts.handshake, defaults::kHandshakeTimeout);
  EXPECT_EQ(c.timeouts.upstreamConnect, Millis{3'000});
  EXPECT_EQ(c.timeouts.upstreamHandshake, Millis{10'000});
  EXPECT_EQ(c.limits.maxRequestHead, defaults::kMaxRequestHead);
  EXPECT_EQ(c.limits.maxFrame, 1024u * 1024);
  EXPECT_EQ(c.limits.maxMessage, 4u * 1024 * 1024);
  EXPECT_EQ(c.routes[0].pathPrefix, "/");
  EXPECT_EQ(c.pools[0].balance, BalanceKind::RoundRobin);
  EXPECT_EQ(c.pools[0].servers[0].weight, 1u);
}

TEST(Loader, ReadsEveryAcceptedKey) {
  auto r = load(R"([global]
workers = 3
max_connections = 5
log_level = "debug"
log_format = "text"
access_log = "/var/log/wsedge/access.log"
[timeouts]
handshake = "250ms"
upstream_connect = "0"
upstream_handshake = "1m"
[limits]
max_request_head = 2048
max_frame = "64KiB"
max_message = "1GiB"
[[listeners]]
name = "a"
address = "[::]:8080"
[[listeners]]
name = "b"
address = "127.0.0.1:8081"
[[routes]]
host = "Chat.Example.COM"
path_prefix = "/ws"
pool = "two"
[[routes]]
pool = "one"
[[pools]]
name = "one"
  [[pools.servers]]
  name = "x"
  address = "localhost:9000"
[[pools]]
name = "two"
balance = "least_conn"
  [[pools.servers]]
  name = "x"
  address = "[::1]:9001"
  weight = 256
)");
  ASSERT_TRUE(r.ok()) << allErrors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.global.workers, 3u);
  EXPECT_EQ(c.global.maxConnections, 5u);
  EXPECT_EQ(c.global.logLevel, core::LogLevel::Debug);
  EXPECT_EQ(c.global.logFormat, core::LogFormat::Text);
  EXPECT_EQ(c.global.accessLog, "/var/log/wsedge/access.log");
  EXPECT_EQ(c.timeouts.handshake, Millis{250});
  EXPECT_EQ(c.timeouts.upstreamConnect, Millis{0});
  EXPECT_EQ(c.timeouts.upstreamHandshake, Millis{60'000});
  EXPECT_EQ(c.limits.maxRequestHead, 2048u);
  EXPECT_EQ(c.limits.maxFrame, 64u * 1024);
  EXPECT_EQ(c.limits.maxMessage, 1024u * 1024 * 1024);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_TRUE(c.listeners[0].address.ipv6);
  EXPECT_EQ(c.listeners[0].address.host, "::");
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].host, "chat.example.com");
  EXPECT_EQ(c.routes[0].pathPrefix, "/ws");
  EXPECT_EQ(c.routes[0].poolIndex, 1u);
  EXPECT_EQ(c.routes[1].poolIndex, 0u);
  EXPECT_EQ(c.pools[0].servers[0].address.host, "localhost");
  EXPECT_EQ(c.pools[1].balance, BalanceKind::LeastConn);
  EXPECT_EQ(c.pools[1].servers[0].weight, 256u);
  EXPECT_EQ(c.findPool("two"), &c.pools[1]);
  EXPECT_EQ(c.findPool("three"), nullptr);
}

TEST(Loader, WorkersAutoIsAtLeastOne) {
  auto r = load(std::string("[global]\nworkers = \"auto\"\n") + kTail);
  ASSERT_TRUE(r.ok()) << allErrors(r);
  EXPECT_GE(r.config->global.workers, 1u);
  EXPECT_LE(r.config->global.workers, 256u);
}

TEST(LoaderErrors, UnknownKeyAtTopLevel) {
  expectOneError(std::string("colour = \"blue\"\n") + kTail,
                 "t.toml:1:1: colour: unknown key (allowed here: global, timeouts, limits, "
                 "listeners, routes, pools, auth)");
}

TEST(LoaderErrors, LaterFeatureSectionIsRejected) {
  expectOneError(std::string("[admin]\naddress = \"127.0.0.1:9090\"\n") + kTail,
                 "t.toml:1:2: admin: not supported yet (a later feature); remove it");
}

TEST(LoaderErrors, UnknownKeyInGlobal) {
  expectOneError(std::string("[global]\nwokers = 4\n") + kTail,
                 "t.toml:2:1: global.wokers: unknown key (allowed here: workers, max_connections, "
                 "log_level, log_format, access_log)");
}

TEST(LoaderErrors, LaterFeatureKeyInTimeouts) {
  expectOneError(std::string("[timeouts]\n  idle = \"5m\"\n") + kTail,
                 "t.toml:2:3: timeouts.idle: not supported yet (a later feature); remove it");
}

TEST(LoaderErrors, UnknownKeysInAServer) {
  auto r = load(R"([[listeners]]
name = "public"
address = "127.0.0.1:8080"
[[routes]]
pool = "p"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
  wieght = 2
  tls = "yes"
)");
  ASSERT_EQ(r.errors.size(), 2u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:11:3: pools[0].servers[0].wieght: unknown key (allowed here: name, address, "
            "weight, tls, ca_file, server_name, insecure_skip_verify)");
  EXPECT_EQ(r.errors[1].format(),
            "t.toml:12:9: pools[0].servers[0].tls: expected true or false");
}

TEST(LoaderErrors, WrongTypes) {
  expectOneError(std::string("[global]\nmax_connections = \"lots\"\n") + kTail,
                 "t.toml:2:19: global.max_connections: expected an integer >= 1, got a string");
  expectOneError(std::string("[global]\nlog_level = 3\n") + kTail,
                 "t.toml:2:13: global.log_level: expected a string, got an integer");
  expectOneError(std::string("[global]\naccess_log = false\n") + kTail,
                 "t.toml:2:14: global.access_log: expected a string, got a boolean");
  expectOneError(std::string("global = 1\n") + kTail,
                 "t.toml:1:10: global: expected a table, got an integer");
  expectOneError(std::string("[limits]\nmax_frame = 1.5\n") + kTail,
                 "t.toml:2:13: limits.max_frame: expected a size (bytes, or a string such as "
                 "\"64KiB\"), got a float");
}

TEST(LoaderErrors, BadEnumValues) {
  expectOneError(std::string("[global]\nlog_level = \"verbose\"\n") + kTail,
                 "t.toml:2:13: global.log_level: \"verbose\" is not one of debug | info | warn | "
                 "error");
  expectOneError(std::string("[global]\nlog_format = \"xml\"\n") + kTail,
                 "t.toml:2:14: global.log_format: \"xml\" is not one of json | text");
}

TEST(LoaderErrors, BadWorkers) {
  expectOneError(std::string("[global]\nworkers = 0\n") + kTail,
                 "t.toml:2:11: global.workers: must be an integer from 1 to 256, got 0");
  expectOneError(std::string("[global]\nworkers = 257\n") + kTail,
                 "t.toml:2:11: global.workers: must be an integer from 1 to 256, got 257");
  expectOneError(std::string("[global]\nworkers = \"many\"\n") + kTail,
                 "t.toml:2:11: global.workers: must be \"auto\" or an integer from 1 to 256, got "
                 "\"many\"");
}

TEST(LoaderErrors, BadDurations) {
  expectOneError(
      std::string("[timeouts]\nhandshake = \"10\"\n") + kTail,
      "t.toml:2:13: timeouts.handshake: bad duration \"10\": missing unit: write \"10s\" "
      "or \"10ms\" (units: ms, s, m, h)");
  expectOneError(
      std::string("[timeouts]\nhandshake = \"10x\"\n") + kTail,
      "t.toml:2:13: timeouts.handshake: bad duration \"10x\": unknown unit \"x\" (units: "
      "ms, s, m, h)");
  expectOneError(
      std::string("[timeouts]\nupstream_connect = \"-1s\"\n") + kTail,
      "t.toml:2:20: timeouts.upstream_connect: bad duration \"-1s\": negative values are "
      "not allowed");
  expectOneError(
      std::string("[timeouts]\nupstream_handshake = \"1.5s\"\n") + kTail,
      "t.toml:2:22: timeouts.upstream_handshake: bad duration \"1.5s\": fractions are not "
      "supported; use a smaller unit");
  expectOneError(
      std::string("[timeouts]\nhandshake = 10\n") + kTail,
      "t.toml:2:13: timeouts.handshake: durations are strings with a unit (ms, s, m, h): "
      "write \"10s\" or \"10ms\", not the bare number 10");
}

TEST(LoaderErrors, BadSizes) {
  expectOneError(std::string("[limits]\nmax_frame = \"1MB\"\n") + kTail,
                 "t.toml:2:13: limits.max_frame: bad size \"1MB\": unknown unit \"MB\" (units: B, "
                 "KiB, MiB, GiB)");
  expectOneError(std::string("[limits]\nmax_message = -5\n") + kTail,
                 "t.toml:2:15: limits.max_message: bad size -5: negative values are not allowed");
  expectOneError(std::string("[limits]\nmax_request_head = \"512B\"\n") + kTail,
                 "t.toml:2:20: limits.max_request_head: must be from 1KiB to 1MiB, got 512 bytes");
  expectOneError(std::string("[limits]\nmax_request_head = \"2MiB\"\n") + kTail,
                 "t.toml:2:20: limits.max_request_head: must be from 1KiB to 1MiB, got 2097152 "
                 "bytes");
  expectOneError(std::string("[limits]\nmax_frame = 100\n") + kTail,
                 "t.toml:2:13: limits.max_frame: must be at least 125 bytes (the largest control "
                 "frame), got 100");
}

TEST(LoaderErrors, RequestHeadBoundsAreInclusive) {
  EXPECT_TRUE(load(std::string("[limits]\nmax_request_head = \"1KiB\"\n") + kTail).ok());
  EXPECT_TRUE(load(std::string("[limits]\nmax_request_head = \"1MiB\"\n") + kTail).ok());
}

/// A config whose only listener has `address`, so the error is at 3:11.
std::string listenerAt(const std::string& address) {
  return "[[listeners]]\nname = \"l\"\naddress = \"" + address + "\"\n" +
         R"([[routes]]
pool = "p"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)";
}

TEST(LoaderErrors, BadListenerAddresses) {
  expectOneError(
      listenerAt("127.0.0.1"),
      "t.toml:3:11: listeners[0].address: bad address \"127.0.0.1\": missing port: write "
      "\"HOST:PORT\", e.g. \"127.0.0.1:8080\"");
  expectOneError(listenerAt("127.0.0.1:0"),
                 "t.toml:3:11: listeners[0].address: bad address \"127.0.0.1:0\": port 0 is not "
                 "allowed (ports are 1..65535)");
  expectOneError(listenerAt("0.0.0.0:70000"),
                 "t.toml:3:11: listeners[0].address: bad address \"0.0.0.0:70000\": port 70000 is "
                 "out of range (1..65535)");
  expectOneError(
      listenerAt("256.1.1.1:80"),
      "t.toml:3:11: listeners[0].address: bad address \"256.1.1.1:80\": \"256.1.1.1\" is "
      "not a valid IPv4 address");
  expectOneError(listenerAt("[::g]:80"),
                 "t.toml:3:11: listeners[0].address: bad address \"[::g]:80\": \"::g\" is not a "
                 "valid IPv6 address");
  expectOneError(listenerAt("::1:80"),
                 "t.toml:3:11: listeners[0].address: bad address \"::1:80\": IPv6 addresses need "
                 "brackets, e.g. \"[::1]:8080\"");
  expectOneError(listenerAt("localhost:8080"),
                 "t.toml:3:11: listeners[0].address: bad address \"localhost:8080\": host must be "
                 "a numeric IPv4 or [IPv6] address, not the name \"localhost\"");
  EXPECT_TRUE(load(listenerAt("[::1]:80")).ok());
}

TEST(LoaderErrors, BadServerAddress) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
pool = "p"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "backend.local"
  [[pools.servers]]
  name = "s2"
  address = "backend.local:9000"
  weight = 0
)");
  ASSERT_EQ(r.errors.size(), 2u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:10:13: pools[0].servers[0].address: bad address \"backend.local\": missing "
            "port: write \"HOST:PORT\", e.g. \"127.0.0.1:8080\"");
  EXPECT_EQ(r.errors[1].format(),
            "t.toml:14:12: pools[0].servers[1].weight: must be an integer from 1 to 256, got 0");
}

TEST(LoaderErrors, DuplicateListenerName) {
  auto r = load(R"([[listeners]]
name = "public"
address = "127.0.0.1:8080"
[[listeners]]
name = "public"
address = "127.0.0.1:8081"
[[routes]]
pool = "p"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)");
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:5:8: listeners[1].name: duplicate listener name \"public\" (first defined at "
            "line 2)");
}

TEST(LoaderErrors, DuplicateListenerAddress) {
  auto r = load(R"([[listeners]]
name = "a"
address = "127.0.0.1:8080"
[[listeners]]
name = "b"
address = "127.0.0.1:8080"
)" + std::string(kTail).substr(std::string(kTail).find("[[routes]]")));
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:6:11: listeners[1].address: address \"127.0.0.1:8080\" is already used by the "
            "listener at line 3");
}

TEST(LoaderErrors, DuplicateServerAndPoolNames) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
pool = "p"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s"
  address = "127.0.0.1:9001"
  [[pools.servers]]
  name = "s"
  address = "127.0.0.1:9002"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s"
  address = "127.0.0.1:9003"
)");
  ASSERT_EQ(r.errors.size(), 2u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:12:10: pools[0].servers[1].name: duplicate server name \"s\" (first defined at "
            "line 9)");
  EXPECT_EQ(r.errors[1].format(),
            "t.toml:15:8: pools[1].name: duplicate pool name \"p\" (first defined at line 7)");
}

TEST(LoaderErrors, RouteToMissingPool) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
path_prefix = "/chat"
pool =   "chat"
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)");
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:6:10: routes[0].pool: no pool named \"chat\" (defined pools: p)");
}

TEST(LoaderErrors, BadRouteHostAndPrefix) {
  expectOneError(R"([[routes]]
host = "chat.example.com:443"
pool = "p"
)" + std::string(kTail),
                 "t.toml:2:8: routes[0].host: \"chat.example.com:443\" must not contain a port "
                 "(routes match any port)");
  expectOneError(R"([[routes]]
path_prefix = "ws"
pool = "p"
)" + std::string(kTail),
                 "t.toml:2:15: routes[0].path_prefix: must start with '/', got \"ws\"");
}

TEST(LoaderErrors, RouteHostIpv6LiteralMustBeValid) {
  auto ok = load(R"([[routes]]
host = "[::1]"
pool = "p"
)" + std::string(kTail));
  ASSERT_TRUE(ok.ok()) << allErrors(ok);
  EXPECT_EQ(ok.config->routes[0].host, "[::1]");
  expectOneError(R"([[routes]]
host = "[zz]"
pool = "p"
)" + std::string(kTail),
                 "t.toml:2:8: routes[0].host: \"[zz]\" is not a valid IPv6 address");
}

TEST(Loader, InlineTablesAreArraysOfTablesToo) {
  auto r = load(R"(listeners = [ { name = "l", address = "127.0.0.1:8080" } ]
routes = [ { pool = "p" } ]
pools = [ { name = "p", servers = [ { name = "s", address = "127.0.0.1:9001", weight = 3 } ] } ]
)");
  ASSERT_TRUE(r.ok()) << allErrors(r);
  EXPECT_EQ(r.config->pools[0].servers[0].weight, 3u);
}

TEST(LoaderErrors, ServersMustBeAnArrayOfTables) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
pool = "p"
[[pools]]
name = "p"
  [pools.servers]
  name = "s"
)");
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:8:3: pools[0].servers: expected an array of tables ([[pools.servers]]), got a "
            "table");
}

TEST(LoaderErrors, PoolWithoutServers) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
pool = "empty"
[[pools]]
name = "empty"
balance = "least_conn"
[[pools]]
name = "also-empty"
servers = []
)");
  ASSERT_EQ(r.errors.size(), 2u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:6:1: pools[0]: pool \"empty\" has no servers: add at least one "
            "[[pools.servers]]");
  EXPECT_EQ(r.errors[1].format(),
            "t.toml:11:11: pools[1].servers: pool \"also-empty\" has no servers: add at least one");
}

TEST(LoaderErrors, HashBalanceIsNotSupportedYet) {
  auto r = load(R"([[listeners]]
name = "l"
address = "127.0.0.1:8080"
[[routes]]
pool = "p"
[[pools]]
name = "p"
balance = "hash"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)");
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:8:11: pools[0].balance: \"hash\" is not supported yet (a later feature); use "
            "round_robin or least_conn");
}

TEST(LoaderErrors, MissingRequiredKeys) {
  auto r = load(R"([[listeners]]
address = "127.0.0.1:8080"
[[routes]]
host = "a.example"
[[pools]]
  [[pools.servers]]
  weight = 2
)");
  ASSERT_EQ(r.errors.size(), 5u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(), "t.toml:1:1: listeners[0]: missing required key \"name\"");
  EXPECT_EQ(r.errors[1].format(), "t.toml:3:1: routes[0]: missing required key \"pool\"");
  EXPECT_EQ(r.errors[2].format(), "t.toml:5:1: pools[0]: missing required key \"name\"");
  EXPECT_EQ(r.errors[3].format(), "t.toml:6:3: pools[0].servers[0]: missing required key \"name\"");
  EXPECT_EQ(r.errors[4].format(),
            "t.toml:6:3: pools[0].servers[0]: missing required key \"address\"");
}

TEST(LoaderErrors, EmptyFileNeedsListenersRoutesAndPools) {
  auto r = load("");
  ASSERT_EQ(r.errors.size(), 3u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(), "t.toml: no [[listeners]] defined: at least one is required");
  EXPECT_EQ(r.errors[1].format(), "t.toml: no [[pools]] defined: at least one is required");
  EXPECT_EQ(r.errors[2].format(), "t.toml: no [[routes]] defined: at least one is required");
}

TEST(LoaderErrors, TomlSyntaxErrorIsOneErrorAtItsPlace) {
  auto r = load("[global]\nworkers = \"auto\"\nlog_level = \n" + std::string(kTail));
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].file, "t.toml");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].column, 13);
  EXPECT_EQ(r.errors[0].message.rfind("TOML syntax error: ", 0), 0u) << r.errors[0].message;
  EXPECT_EQ(r.config, nullptr);
}

TEST(LoaderErrors, SeveralErrorsAreAllReportedInFileOrder) {
  const std::string path = dataDir() + "/several_errors.toml";
  auto r = loadFile(path);
  EXPECT_FALSE(r.ok());
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.format());
  std::vector<std::string> want = {
      path +
          ":2:1: global.wokers: unknown key (allowed here: workers, max_connections, "
          "log_level, log_format, access_log)",
      path + ":3:13: global.log_level: \"loud\" is not one of debug | info | warn | error",
      path +
          ":6:13: timeouts.handshake: bad duration \"10x\": unknown unit \"x\" (units: ms, s, "
          "m, h)",
      path +
          ":9:13: limits.max_frame: bad size \"1MB\": unknown unit \"MB\" (units: B, KiB, MiB, "
          "GiB)",
      path +
          ":13:11: listeners[0].address: bad address \"0.0.0.0:0\": port 0 is not allowed "
          "(ports are 1..65535)",
      path +
          ":16:8: listeners[1].name: duplicate listener name \"public\" (first defined at "
          "line 12)",
      path + ":21:8: routes[0].pool: no pool named \"chat\" (defined pools: echo)",
      path +
          ":25:11: pools[0].balance: \"hash\" is not supported yet (a later feature); use "
          "round_robin or least_conn",
      path + ":29:9: pools[0].servers[0].tls: expected true or false",
  };
  EXPECT_EQ(got, want);
}

TEST(Loader, MissingFileIsAnError) {
  const std::string path = dataDir() + "/does-not-exist.toml";
  auto r = loadFile(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_EQ(r.errors[0].format(), path + ": cannot open: No such file or directory");
}

TEST(Loader, DirectoryIsAnError) {
  auto r = loadFile(dataDir());
  ASSERT_EQ(r.errors.size(), 1u) << allErrors(r);
  EXPECT_EQ(r.errors[0].format(), dataDir() + ": is a directory, not a configuration file");
}

TEST(ConfigError, Format) {
  EXPECT_EQ((ConfigError{"a.toml", 3, 7, "boom"}).format(), "a.toml:3:7: boom");
  EXPECT_EQ((ConfigError{"a.toml", 0, 0, "boom"}).format(), "a.toml: boom");
}

TEST(Config, BalanceNames) {
  EXPECT_EQ(balanceName(BalanceKind::RoundRobin), "round_robin");
  EXPECT_EQ(balanceName(BalanceKind::LeastConn), "least_conn");
  EXPECT_EQ(balanceName(BalanceKind::Hash), "hash");
}

}  // namespace
}  // namespace wsedge::config
