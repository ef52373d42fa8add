// The policy keys (SPEC §2): [limits] rates and per-IP limits,
// listeners.proxy_protocol, routes.allowed_origins / require_origin / auth and
// [auth.*] tables, kept as written with their places for the policy module.
#include <gtest/gtest.h>

#include <string>

#include "wsedge/config/defaults.h"
#include "wsedge/config/loader.h"

namespace wsedge::config {
namespace {

constexpr const char* kPools = R"(
[[pools]]
name = "p"
  [[pools.servers]]
  name = "s1"
  address = "127.0.0.1:9001"
)";

std::string allErrors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.format() + "\n";
  return out;
}

LoadResult load(const std::string& text) { return loadString(text + kPools, "t.toml"); }

TEST(PolicyKeys, DefaultsWhenAbsent) {
  auto r = load("[[listeners]]\nname = \"a\"\naddress = \"127.0.0.1:1\"\n[[routes]]\npool = \"p\"\n");
  ASSERT_TRUE(r.ok()) << allErrors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.limits.clientMessagesPerSecond, 0u);
  EXPECT_EQ(c.limits.perIpConnections, 0u);
  EXPECT_EQ(c.limits.ipv6Prefix, defaults::kIpv6Prefix);
  EXPECT_EQ(c.limits.perIpMaxEntries, defaults::kPerIpMaxEntries);
  EXPECT_EQ(c.limits.onRateExceeded, RateExceeded::Throttle);
  EXPECT_FALSE(c.limits.connectionRateLimited());
  EXPECT_FALSE(c.listeners[0].proxyProtocol);
  EXPECT_FALSE(c.routes[0].allowedOrigins.has_value());
  EXPECT_FALSE(c.routes[0].requireOrigin);
  EXPECT_FALSE(c.routes[0].auth.has_value());
  EXPECT_TRUE(c.auth.empty());
}

TEST(PolicyKeys, ReadsEveryKey) {
  auto r = load(R"([limits]
client_messages_per_second = 100
client_messages_burst = 20
client_bytes_per_second = 65536
on_rate_exceeded = "close"
per_ip_connections = 5
per_ip_handshakes_per_second = 10
per_ip_handshakes_burst = 30
ipv6_prefix = 56
per_ip_max_entries = 1000
[[listeners]]
name = "a"
address = "127.0.0.1:1"
proxy_protocol = true
[[routes]]
pool = "p"
allowed_origins = ["https://app.example.com", "https://*.example.com"]
require_origin = true
auth = "users"
[auth.users]
type = "jwt"
algorithms = ["RS256", "HS256"]
secret = "s3cret"
jwks_file = "conf/jwks.json"
issuer = "https://auth.example.com"
audience = "chat"
leeway = "30s"
token_from = ["header:Authorization", "subprotocol"]
forward_claims = { sub = "X-User-Id" }
close_on_expiry = true
)");
  ASSERT_TRUE(r.ok()) << allErrors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.limits.clientMessagesPerSecond, 100u);
  EXPECT_EQ(c.limits.clientMessagesBurst, 20u);
  EXPECT_EQ(c.limits.clientBytesPerSecond, 65536u);
  EXPECT_EQ(c.limits.onRateExceeded, RateExceeded::Close);
  EXPECT_EQ(c.limits.perIpConnections, 5u);
  EXPECT_EQ(c.limits.perIpHandshakesPerSecond, 10u);
  EXPECT_EQ(c.limits.perIpHandshakesBurst, 30u);
  EXPECT_EQ(c.limits.ipv6Prefix, 56u);
  EXPECT_EQ(c.limits.perIpMaxEntries, 1000u);
  EXPECT_TRUE(c.listeners[0].proxyProtocol);
  const Route& route = c.routes[0];
  ASSERT_TRUE(route.allowedOrigins.has_value());
  ASSERT_EQ(route.allowedOrigins->size(), 2u);
  EXPECT_EQ(route.allowedOriginPlaces[1].line, 17);
  EXPECT_TRUE(route.requireOrigin);
  EXPECT_EQ(route.auth, "users");
  ASSERT_EQ(c.auth.size(), 1u);
  const Auth& a = c.auth[0];
  EXPECT_EQ(a.name, "users");
  EXPECT_EQ(a.algorithms, (std::vector<std::string>{"RS256", "HS256"}));
  EXPECT_EQ(a.secret, "s3cret");
  EXPECT_EQ(a.jwksFile, "conf/jwks.json");
  EXPECT_EQ(a.audience, std::vector<std::string>{"chat"});
  EXPECT_EQ(a.leeway, Millis{30'000});
  EXPECT_EQ(a.tokenFrom.size(), 2u);
  ASSERT_EQ(a.forwardClaims.size(), 1u);
  EXPECT_EQ(a.forwardClaims[0].second, "X-User-Id");
  EXPECT_TRUE(a.closeOnExpiry);
  EXPECT_EQ(a.placeOf("jwks_file").line, 24);
  EXPECT_EQ(a.placeOf("nothing").line, 20);
}

TEST(PolicyKeys, ErrorsAtTheirKeys) {
  auto r = load(R"([limits]
on_rate_exceeded = "drop"
ipv6_prefix = 0
[[listeners]]
name = "a"
address = "127.0.0.1:1"
proxy_protocol = "yes"
[[routes]]
pool = "p"
auth = "nobody"
allowed_origins = "https://a.com"
[auth.x]
type = "basic"
algorithms = ["HS256"]
colour = 1
)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(allErrors(r),
            "t.toml:2:20: limits.on_rate_exceeded: \"drop\" is not one of throttle | close\n"
            "t.toml:3:15: limits.ipv6_prefix: must be an integer from 1 to 128, got 0\n"
            "t.toml:7:18: listeners[0].proxy_protocol: expected true or false\n"
            "t.toml:10:8: routes[0].auth: no [auth.nobody] table (defined: x)\n"
            "t.toml:11:19: routes[0].allowed_origins: expected an array of origins, e.g. "
            "[\"https://app.example.com\"]\n"
            "t.toml:13:8: auth.x.type: \"basic\" is not supported (only \"jwt\")\n"
            "t.toml:15:1: auth.x.colour: unknown key (allowed here: type, algorithms, secret, "
            "secret_file, jwks_file, public_key_file, issuer, audience, leeway, token_from, "
            "forward_claims, close_on_expiry)\n");
}

}  // namespace
}  // namespace wsedge::config
