#include "wsedge/policy/filter.h"

#include <gtest/gtest.h>

#include "jwt_test_util.h"

using namespace std::chrono_literals;
using jwttest::Json;
using wsedge::http::Request;
using wsedge::policy::ExtractedToken;
using wsedge::policy::FilterChain;
using wsedge::policy::HandshakeContext;
using wsedge::policy::JwtAlg;
using wsedge::policy::JwtConfig;
using wsedge::policy::RejectReason;
using wsedge::policy::TokenSource;

namespace {

constexpr std::int64_t kNow = 1800000000;
const std::string kSecret = "filter-test-secret-0123456789abc";

Request request(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers.add("Host", "chat.example.com");
  for (auto& [n, v] : headers) r.headers.add(n, v);
  return r;
}

std::string token(Json extra = Json::object()) {
  Json c = {{"sub", "alice"}, {"exp", kNow + 60}, {"role", "admin"}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return jwttest::makeToken(JwtAlg::HS256, nullptr, kSecret, c);
}

JwtConfig config(std::vector<std::string> sources) {
  JwtConfig c;
  c.algorithms = {JwtAlg::HS256};
  c.keys.push_back(wsedge::policy::hmacKeyFromSecret(kSecret).value());
  c.tokenFrom.clear();
  for (auto& s : sources) c.tokenFrom.push_back(TokenSource::parse(s).value());
  c.forwardClaims = {{"sub", "X-User-Id"}, {"role", "X-User-Role"}, {"n", "X-Number"}};
  c.closeOnExpiry = true;
  return c;
}

std::shared_ptr<const wsedge::policy::JwtVerifier> verifier(JwtConfig c) {
  return std::make_shared<const wsedge::policy::JwtVerifier>(std::move(c));
}

HandshakeContext context(Request& req, const char* ip = "192.0.2.1") {
  HandshakeContext ctx(req, *wsedge::policy::IpAddress::parse(ip));
  ctx.wallNow = std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
  return ctx;
}

std::string header(const std::vector<wsedge::http::Header>& hs, std::string_view name) {
  for (const auto& h : hs) {
    if (h.name == name) return h.value;
  }
  return "<none>";
}

}  // namespace

TEST(TokenExtraction, EachSourceInOrder) {
  const auto all =
      config({"header:Authorization", "subprotocol", "query:access_token", "cookie:token"})
          .tokenFrom;
  auto r = request("/ws?access_token=Q&x=1", {{"Authorization", "bearer   H"},
                                              {"Sec-WebSocket-Protocol", "bearer, S"},
                                              {"Cookie", "a=1; token=C"}});
  auto t = wsedge::policy::extractToken(r, all);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token, "H");
  r.headers.remove("Authorization");
  EXPECT_EQ(wsedge::policy::extractToken(r, all)->token, "S");
  r.headers.remove("Sec-WebSocket-Protocol");
  EXPECT_EQ(wsedge::policy::extractToken(r, all)->token, "Q");
  r.target = "/ws";
  EXPECT_EQ(wsedge::policy::extractToken(r, all)->token, "C");
  r.headers.remove("Cookie");
  EXPECT_FALSE(wsedge::policy::extractToken(r, all));
}

TEST(TokenExtraction, Details) {
  const auto hdr = config({"header:Authorization"}).tokenFrom;
  EXPECT_FALSE(
      wsedge::policy::extractToken(request("/", {{"Authorization", "Basic dXNlcjpwYXNz"}}), hdr));
  EXPECT_FALSE(wsedge::policy::extractToken(request("/", {{"Authorization", "Bearer"}}), hdr));
  EXPECT_FALSE(wsedge::policy::extractToken(request("/", {{"Authorization", "Bearerx"}}), hdr));
  const auto custom = config({"header:X-Token"}).tokenFrom;
  EXPECT_EQ(wsedge::policy::extractToken(request("/", {{"x-token", "raw"}}), custom)->token, "raw");
  EXPECT_EQ(wsedge::policy::extractToken(request("/", {{"X-Token", "Bearer b"}}), custom)->token,
            "b");
  const auto q = config({"query:t"}).tokenFrom;
  EXPECT_EQ(wsedge::policy::extractToken(request("/?t=a%2Eb"), q)->token, "a.b");
  EXPECT_FALSE(wsedge::policy::extractToken(request("/?tt=a"), q));
  EXPECT_FALSE(wsedge::policy::extractToken(request("/?t="), q));
  EXPECT_FALSE(wsedge::policy::extractToken(request("/?t=%zz"), q));
  EXPECT_FALSE(wsedge::policy::extractToken(request("/?t=%2"), q));
  const auto ck = config({"cookie:token"}).tokenFrom;
  EXPECT_EQ(wsedge::policy::extractToken(request("/", {{"Cookie", "token=\"v\""}}), ck)->token,
            "v");
  EXPECT_EQ(
      wsedge::policy::extractToken(request("/", {{"Cookie", "x=1"}, {"Cookie", "token=2"}}), ck)
          ->token,
      "2");
  EXPECT_FALSE(wsedge::policy::extractToken(request("/", {{"Cookie", "mytoken=1"}}), ck));
  const auto sp = config({"subprotocol"}).tokenFrom;
  EXPECT_FALSE(
      wsedge::policy::extractToken(request("/", {{"Sec-WebSocket-Protocol", "chat, bearer"}}), sp));
  EXPECT_EQ(wsedge::policy::extractToken(request("/", {{"Sec-WebSocket-Protocol", "chat"},
                                                       {"Sec-WebSocket-Protocol", "bearer, T"}}),
                                         sp)
                ->token,
            "T");
}

TEST(RequestRewrite, QueryTokenStripped) {
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws?access_token=x", "access_token"), "/ws");
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws?a=1&access_token=x&b=2", "access_token"),
            "/ws?a=1&b=2");
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws?access_token=x&access_token=y&b", "access_token"),
            "/ws?b");
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws?access_tokenx=1", "access_token"),
            "/ws?access_tokenx=1");
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws", "access_token"), "/ws");
  EXPECT_EQ(wsedge::policy::removeQueryParam("/ws?access_token", "access_token"), "/ws");
}

TEST(RequestRewrite, SubprotocolEntriesStripped) {
  auto r = request("/", {{"Sec-WebSocket-Protocol", "bearer, TOKEN, chat.v2"},
                         {"Sec-WebSocket-Protocol", "mqtt"}});
  wsedge::policy::stripToken(r, ExtractedToken{"TOKEN", {TokenSource::Kind::Subprotocol, ""}});
  EXPECT_EQ(r.headers.count("Sec-WebSocket-Protocol"), 1u);
  EXPECT_EQ(*r.headers.get("Sec-WebSocket-Protocol"), "chat.v2, mqtt");
  auto only = request("/", {{"Sec-WebSocket-Protocol", "bearer, TOKEN"}});
  wsedge::policy::stripToken(only, ExtractedToken{"TOKEN", {TokenSource::Kind::Subprotocol, ""}});
  EXPECT_FALSE(only.headers.get("Sec-WebSocket-Protocol"));

  wsedge::http::Response resp;
  resp.status = 101;
  wsedge::policy::completeBearerSubprotocol(resp);
  EXPECT_EQ(*resp.headers.get("Sec-WebSocket-Protocol"), "bearer");
  wsedge::http::Response chosen;
  chosen.status = 101;
  chosen.headers.add("Sec-WebSocket-Protocol", "chat.v2");
  wsedge::policy::completeBearerSubprotocol(chosen);
  EXPECT_EQ(*chosen.headers.get("Sec-WebSocket-Protocol"), "chat.v2");
}

TEST(RequestRewrite, ClaimHeadersReplaceSpoofedOnes) {
  auto cfg = config({"header:Authorization"});
  auto r =
      request("/", {{"x-user-id", "spoofed"}, {"X-User-Role", "root"}, {"X-User-Id", "again"}});
  Json claims = {{"sub", "alice"}, {"role", "line\r\nInjected: 1"}, {"n", 42}};
  wsedge::policy::applyForwardClaims(r, cfg, &claims);
  EXPECT_EQ(r.headers.getAll("X-User-Id").size(), 1u);
  EXPECT_EQ(*r.headers.get("X-User-Id"), "alice");
  EXPECT_FALSE(r.headers.get("X-User-Role"));  // control characters: dropped, not forwarded
  EXPECT_EQ(*r.headers.get("X-Number"), "42");
}

TEST(Filters, OriginRejectsWith403BeforeAuth) {
  FilterChain chain;
  chain.add(std::make_shared<wsedge::policy::OriginFilter>(
      wsedge::policy::OriginPolicy::parse({"https://app.example.com"}, false).value()));
  chain.add(
      std::make_shared<wsedge::policy::JwtAuthFilter>(verifier(config({"header:Authorization"}))));
  auto evil = request("/", {{"Origin", "https://evil.example"}});  // and no token
  auto ctx = context(evil);
  auto r = chain.run(ctx);
  ASSERT_TRUE(r.rejected);
  EXPECT_EQ(r.reason, RejectReason::Origin);
  EXPECT_EQ(r.status(), 403);
  EXPECT_EQ(wsedge::policy::name(r.reason), "origin");

  auto two =
      request("/", {{"Origin", "https://app.example.com"}, {"Origin", "https://app.example.com"}});
  auto ctx2 = context(two);
  EXPECT_EQ(chain.run(ctx2).status(), 403);

  auto good = request("/", {{"Origin", "https://app.example.com"}});
  auto ctx3 = context(good);
  auto r3 = chain.run(ctx3);
  EXPECT_EQ(r3.reason, RejectReason::Auth);  // origin passed, token missing
  EXPECT_EQ(r3.status(), 401);
}

TEST(Filters, AuthMissingAndInvalid) {
  wsedge::policy::JwtAuthFilter f(verifier(config({"header:Authorization", "query:access_token"})));
  auto none = request("/");
  auto c1 = context(none);
  auto r1 = f.onRequest(c1);
  ASSERT_TRUE(r1.rejected);
  EXPECT_EQ(r1.status(), 401);
  EXPECT_EQ(header(r1.headers, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(r1.detail, "missing");

  const std::string expired = token({{"exp", kNow - 1}});
  auto bad = request("/ws?access_token=" + expired);
  auto c2 = context(bad);
  auto r2 = f.onRequest(c2);
  ASSERT_TRUE(r2.rejected);
  EXPECT_EQ(r2.status(), 401);
  EXPECT_EQ(header(r2.headers, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(r2.detail, "expired");
  EXPECT_EQ(r2.detail.find(expired), std::string::npos);
}

TEST(Filters, AuthSuccessRewritesTheRequest) {
  wsedge::policy::JwtAuthFilter f(verifier(config({"subprotocol", "query:access_token"})));
  const std::string t = token();
  auto q = request("/ws?room=1&access_token=" + t, {{"X-User-Id", "spoofed"}});
  auto c1 = context(q);
  auto r1 = f.onRequest(c1);
  ASSERT_FALSE(r1.rejected) << r1.detail;
  EXPECT_EQ(q.target, "/ws?room=1");
  EXPECT_EQ(*q.headers.get("X-User-Id"), "alice");
  EXPECT_EQ(q.headers.count("X-User-Id"), 1u);
  EXPECT_EQ(c1.tokenExp, kNow + 60);
  EXPECT_FALSE(c1.answerBearerSubprotocol);
  ASSERT_TRUE(c1.claims);
  EXPECT_EQ((*c1.claims)["sub"], "alice");

  auto s = request("/ws", {{"Sec-WebSocket-Protocol", "bearer, " + t + ", chat"}});
  auto c2 = context(s);
  ASSERT_FALSE(f.onRequest(c2).rejected);
  EXPECT_EQ(*s.headers.get("Sec-WebSocket-Protocol"), "chat");
  EXPECT_TRUE(c2.answerBearerSubprotocol);
}

TEST(Filters, IpLimitRejectsWith429RetryAfterAnd503) {
  wsedge::core::FakeClock clock;
  wsedge::policy::IpLimiter limiter(
      clock, {.handshakesPerSecond = 1, .handshakesBurst = 1, .maxConnections = 1});
  FilterChain chain;
  chain.add(std::make_shared<wsedge::policy::IpLimitFilter>(limiter));
  auto a = request("/");
  auto ca = context(a, "192.0.2.1");
  ASSERT_FALSE(chain.run(ca).rejected);
  EXPECT_TRUE(ca.lease.active());
  auto b = request("/");
  auto cb = context(b, "192.0.2.1");
  auto rb = chain.run(cb);
  EXPECT_EQ(rb.status(), 429);
  EXPECT_EQ(rb.reason, RejectReason::RateLimited);
  EXPECT_EQ(header(rb.headers, "Retry-After"), "1");
  auto c = request("/");
  auto cc = context(c, "192.0.2.2");
  auto rc = chain.run(cc);
  EXPECT_EQ(rc.status(), 503);
  EXPECT_EQ(wsedge::policy::name(rc.reason), "overloaded");
  ca.lease.release();
  clock.advance(1s);  // the refused attempt spent .2's only token
  auto cc2 = context(c, "192.0.2.2");
  EXPECT_FALSE(chain.run(cc2).rejected);
}

TEST(Reject, NamesAndStatuses) {
  EXPECT_EQ(wsedge::policy::name(RejectReason::NoRoute), "no_route");
  EXPECT_EQ(wsedge::policy::httpStatus(RejectReason::NoRoute), 404);
  EXPECT_EQ(wsedge::policy::name(RejectReason::TooManyConnections), "too_many_connections");
  EXPECT_EQ(wsedge::policy::httpStatus(RejectReason::Timeout), 408);
  EXPECT_EQ(wsedge::policy::name(RejectReason::NoServer), "no_server");
  EXPECT_EQ(wsedge::policy::httpStatus(RejectReason::NoServer), 503);
  EXPECT_EQ(wsedge::policy::httpStatus(RejectReason::UpstreamError), 502);
  EXPECT_EQ(wsedge::policy::httpStatus(RejectReason::UpstreamTimeout), 504);
  EXPECT_EQ(wsedge::policy::name(RejectReason::BadRequest), "bad_request");
}

TEST(Filters, UpgradeValidity) {
  wsedge::policy::UpgradeFilter f;
  auto ws = request("/", {{"Upgrade", "websocket"},
                          {"Connection", "Upgrade"},
                          {"Sec-WebSocket-Version", "13"},
                          {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  auto c1 = context(ws);
  EXPECT_FALSE(f.onRequest(c1).rejected);
  ws.headers.set("Sec-WebSocket-Version", "8");
  auto c2 = context(ws);
  auto r2 = f.onRequest(c2);
  EXPECT_EQ(r2.status(), 426);
  EXPECT_EQ(header(r2.headers, "Sec-WebSocket-Version"), "13");
  ws.headers.set("Sec-WebSocket-Version", "13");
  ws.headers.set("Sec-WebSocket-Key", "short");
  auto c3 = context(ws);
  auto r3 = f.onRequest(c3);
  EXPECT_EQ(r3.status(), 400);
  EXPECT_EQ(r3.reason, RejectReason::BadRequest);
  auto plain = request("/");
  auto c4 = context(plain);
  auto r4 = f.onRequest(c4);
  EXPECT_EQ(r4.status(), 426);
  EXPECT_EQ(header(r4.headers, "Sec-WebSocket-Version"), "<none>");
}
