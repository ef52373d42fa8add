// Routing and the request sent upstream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "wsedge/proxy/forward.h"

namespace wsedge::proxy {
namespace {

http::Request parse(const std::string& head) {
  http::RequestParser p(16 * 1024);
  auto r = p.feed(head);
  EXPECT_EQ(r.status, core::ParseStatus::Done) << p.errorReason();
  return p.request();
}

sockaddr_in client4() {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, "203.0.113.7", &sa.sin_addr);
  return sa;
}

TEST(Forward, NormalizedHostDropsPortAndCase) {
  EXPECT_EQ(normalizedHost(parse("GET / HTTP/1.1\r\nHost: Chat.Example.COM:8080\r\n\r\n")),
            "chat.example.com");
  EXPECT_EQ(normalizedHost(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")), "[::1]");
}

TEST(Forward, FirstMatchingRouteWins) {
  config::Config cfg;
  config::Route a;
  a.host = "chat.example.com";
  a.pathPrefix = "/ws";
  config::Route b;
  b.pathPrefix = "/";
  cfg.routes = {a, b};
  EXPECT_EQ(matchRoute(cfg, "chat.example.com", "/ws/room"), 0);
  EXPECT_EQ(matchRoute(cfg, "other.example.com", "/ws/room"), 1);
  cfg.routes = {a};
  EXPECT_EQ(matchRoute(cfg, "chat.example.com", "/api"), -1);
  EXPECT_EQ(matchRoute(cfg, "other.example.com", "/ws"), -1);
}

TEST(Forward, HopByHopRemovedAndForwardingHeadersAdded) {
  auto req = parse(
      "GET /chat?x=1 HTTP/1.1\r\nHost: chat.example.com\r\nConnection: Upgrade, X-Secret\r\n"
      "X-Secret: 1\r\nKeep-Alive: 5\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: spoofed\r\n\r\n");
  auto sa = client4();
  std::string head = buildForwardHead(req, reinterpret_cast<sockaddr*>(&sa), false);
  EXPECT_EQ(head.rfind("GET /chat?x=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(head.find("X-Secret"), std::string::npos);
  EXPECT_EQ(head.find("Keep-Alive"), std::string::npos);
  EXPECT_EQ(head.find("spoofed"), std::string::npos);
  EXPECT_NE(head.find("Connection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(head.find("Upgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Host: chat.example.com\r\n"), std::string::npos);
  EXPECT_NE(head.find("Forwarded: for=203.0.113.7;proto=http;host=\"chat.example.com\"\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);
}

TEST(Forward, TlsListenerSaysHttpsAndIpv6IsQuoted) {
  auto req = parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2001:db8::1", &sa.sin6_addr);
  std::string head = buildForwardHead(req, reinterpret_cast<sockaddr*>(&sa), true);
  EXPECT_NE(head.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  EXPECT_NE(head.find("Forwarded: for=\"[2001:db8::1]\";proto=https"), std::string::npos);
}

}  // namespace
}  // namespace wsedge::proxy
