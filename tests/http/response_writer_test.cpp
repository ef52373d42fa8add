#include <gtest/gtest.h>

#include "wsedge/http/request_parser.h"
#include "wsedge/http/response_parser.h"
#include "wsedge/http/upgrade.h"

namespace wsedge::http {
namespace {

TEST(ReasonPhrase, KnownAndFallback) {
  EXPECT_EQ(reasonPhrase(400), "Bad Request");
  EXPECT_EQ(reasonPhrase(101), "Switching Protocols");
  EXPECT_EQ(reasonPhrase(426), "Upgrade Required");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(499), "Client Error");
}

TEST(BuildErrorResponse, CompleteSmallResponse) {
  EXPECT_EQ(buildErrorResponse(404),
            "HTTP/1.1 404 Not Found\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 14\r\n"
            "Connection: close\r\n"
            "\r\n"
            "404 Not Found\n");
}

TEST(BuildErrorResponse, ExtraHeadersAndItParsesBack) {
  auto out = buildErrorResponse(426, {{"Sec-WebSocket-Version", "13"}});
  ResponseParser p(4096);
  auto r = p.feed(out);
  ASSERT_EQ(r.status, core::ParseStatus::Done);
  const auto& resp = p.response();
  EXPECT_EQ(resp.status, 426);
  EXPECT_EQ(resp.headers.get("Sec-WebSocket-Version"), "13");
  EXPECT_EQ(resp.headers.get("Connection"), "close");
  auto body = std::string_view(out).substr(r.consumed);
  EXPECT_EQ(body, "426 Upgrade Required\n");
  EXPECT_EQ(resp.headers.get("Content-Length"), std::to_string(body.size()));
}

TEST(BuildErrorResponse, HeaderInjectionIsDropped) {
  auto out = buildErrorResponse(401, {{"WWW-Authenticate", "Bearer\r\nSet-Cookie: x=1"},
                                      {"Bad Name", "v"},
                                      {"Retry-After", "1"}});
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(out.find("Bad Name"), std::string::npos);
  EXPECT_NE(out.find("Retry-After: 1\r\n"), std::string::npos);
}

TEST(SerializeRequestHead, RoundTripsThroughParser) {
  constexpr std::string_view in =
      "GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nX-Odd-Case: v\r\n\r\n";
  RequestParser p(4096);
  ASSERT_EQ(p.feed(in).status, core::ParseStatus::Done);
  EXPECT_EQ(serializeRequestHead(p.request()), in);
  p.request().headers.add("X-Claim", "evil\r\nHost: b");
  EXPECT_EQ(serializeRequestHead(p.request()), in);
}

TEST(SerializeResponseHead, StatusLineAndHeaders) {
  Response r;
  r.status = 101;
  r.headers.add("Upgrade", "websocket");
  EXPECT_EQ(serializeResponseHead(r),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  r.reason = "Custom";
  EXPECT_EQ(serializeResponseHead(r), "HTTP/1.1 101 Custom\r\nUpgrade: websocket\r\n\r\n");
}

TEST(IsHopByHop, FixedListAndConnectionTokens) {
  for (auto n : {"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer",
                 "transfer-encoding", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"}) {
    EXPECT_TRUE(isHopByHop(n, "")) << n;
  }
  EXPECT_FALSE(isHopByHop("Host", "keep-alive, Upgrade"));
  EXPECT_FALSE(isHopByHop("Sec-WebSocket-Key", "Upgrade"));
  EXPECT_TRUE(isHopByHop("X-Secret", "Upgrade, x-secret"));
  EXPECT_FALSE(isHopByHop("", ""));
}

}  // namespace
}  // namespace wsedge::http
