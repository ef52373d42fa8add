#include "wsedge/http/response_parser.h"

#include <gtest/gtest.h>

#include "split_feed.h"

namespace wsedge::http {
namespace {

using core::ParseStatus;
using namespace std::string_view_literals;
using testing::feedEverySplit;
using testing::Outcome;

constexpr std::string_view k101 =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

std::string describe(const ResponseParser& p) {
  const auto& r = p.response();
  std::string s = std::to_string(r.versionMajor) + "." + std::to_string(r.versionMinor) + " " +
                  std::to_string(r.status) + " " + r.reason;
  for (const auto& f : r.headers.fields()) s += "|" + f.name + "=" + f.value;
  return s;
}

Outcome parse(std::string_view input, std::size_t maxHead = 16384) {
  return feedEverySplit(input, [&] { return ResponseParser(maxHead); }, describe);
}

void expect502(std::string_view input, std::string_view reason, std::size_t maxHead = 16384) {
  auto o = parse(input, maxHead);
  EXPECT_EQ(o.status, ParseStatus::Error);
  EXPECT_EQ(o.code, 502);
  ResponseParser p(maxHead);
  p.feed(input);
  EXPECT_EQ(p.errorReason(), reason);
}

TEST(ResponseParser, Valid101) {
  std::string input(k101);
  input += "\x81\x02hi";  // the backend's first frame, same read
  auto o = parse(input);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, k101.size());
  ResponseParser p(16384);
  p.feed(input);
  EXPECT_EQ(p.response().status, 101);
  EXPECT_EQ(p.response().reason, "Switching Protocols");
  EXPECT_EQ(p.response().headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ResponseParser, Non101AndEmptyReasonAreParsed) {
  EXPECT_EQ(parse("HTTP/1.1 403 \r\nContent-Length: 0\r\n\r\n").status, ParseStatus::Done);
  EXPECT_EQ(parse("HTTP/1.0 404\r\n\r\n").status, ParseStatus::Done);
}

TEST(ResponseParser, GarbageIs502) {
  expect502("SSH-2.0-OpenSSH_9.2\r\n\r\n", "bad_status_line");
  expect502("HTTP/1.1 10x Switching\r\n\r\n", "bad_status_code");
  expect502("HTTP/1.1 099 Low\r\n\r\n", "bad_status_code");
  expect502("HTTP/2.0 101 Switching Protocols\r\n\r\n", "bad_version");
  expect502("HTTP/1.1 101Switching\r\n\r\n", "bad_status_line");
  expect502("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\r\n\r\n", "bare_lf");
  expect502("HTTP/1.1 101 Switching Protocols\r\nUpgrade : websocket\r\n\r\n",
            "field_space_before_colon");
  expect502("HTTP/1.1 101 Switching Protocols\r\nX: a\r\n b\r\n\r\n", "obs_fold");
  expect502("HTTP/1.1 101 OK\r\nX: a\0\r\n\r\n"sv, "field_bad_value");
}

TEST(ResponseParser, HeadTooLargeIs502) {
  expect502(k101, "head_too_large", k101.size() - 1);
  EXPECT_EQ(parse(k101, k101.size()).status, ParseStatus::Done);
}

}  // namespace
}  // namespace wsedge::http
