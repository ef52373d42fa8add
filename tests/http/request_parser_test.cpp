#include "wsedge/http/request_parser.h"

#include <gtest/gtest.h>

#include "split_feed.h"

namespace wsedge::http {
namespace {

using core::ParseStatus;
using namespace std::string_view_literals;
using testing::feedEverySplit;
using testing::Outcome;

constexpr std::string_view kUpgrade =
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

std::string describe(const RequestParser& p) {
  const auto& r = p.request();
  std::string s = r.method + " " + r.target + " " + std::to_string(r.versionMajor) + "." +
                  std::to_string(r.versionMinor);
  for (const auto& f : r.headers.fields()) s += "|" + f.name + "=" + f.value;
  return s;
}

Outcome parse(std::string_view input, std::size_t maxHead = 16384, std::size_t maxLine = 8192) {
  return feedEverySplit(
      input, [&] { return RequestParser(maxHead, maxLine); }, describe);
}

// Feeds whole and checks the exact status and log reason of a rejection.
void expectError(std::string_view input, int code, std::string_view reason,
                 std::size_t maxHead = 16384, std::size_t maxLine = 8192) {
  auto o = parse(input, maxHead, maxLine);
  EXPECT_EQ(o.status, ParseStatus::Error);
  EXPECT_EQ(o.code, code);
  RequestParser p(maxHead, maxLine);
  p.feed(input);
  EXPECT_EQ(p.errorReason(), reason);
}

std::string withHeaders(std::string_view headers) {
  return "GET /chat HTTP/1.1\r\n" + std::string(headers) + "\r\n";
}

TEST(RequestParser, ValidUpgradeRequest) {
  auto o = parse(kUpgrade);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, kUpgrade.size());
  RequestParser p(16384);
  p.feed(kUpgrade);
  const auto& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/chat?room=1");
  EXPECT_EQ(r.path(), "/chat");
  EXPECT_EQ(r.query(), "room=1");
  EXPECT_EQ(r.versionMajor, 1);
  EXPECT_EQ(r.versionMinor, 1);
  ASSERT_EQ(r.headers.size(), 5u);
  EXPECT_EQ(r.headers.fields()[0].name, "Host");
  EXPECT_EQ(r.headers.get("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(RequestParser, TrailingBytesAfterHeadAreNotConsumed) {
  std::string input(kUpgrade);
  input += "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";  // a masked "Hello" frame
  auto o = parse(input);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, kUpgrade.size());
}

TEST(RequestParser, PipelinedSecondRequestIsNotConsumed) {
  std::string input(kUpgrade);
  input += kUpgrade;
  auto o = parse(input);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, kUpgrade.size());
}

TEST(RequestParser, IncompleteHeadNeedsMore) {
  auto o = parse(kUpgrade.substr(0, kUpgrade.size() - 1));
  EXPECT_EQ(o.status, ParseStatus::NeedMore);
  EXPECT_EQ(o.consumed, kUpgrade.size() - 1);
}

TEST(RequestParser, OwsAroundValueIsTrimmedAndEmptyValueKept) {
  auto input = withHeaders("Host: a\r\nX-A: \t spaced value \t\r\nX-Empty:\r\nX-Obs: caf\xc3\xa9\r\n");
  ASSERT_EQ(parse(input).status, ParseStatus::Done);
  RequestParser p(16384);
  p.feed(input);
  EXPECT_EQ(p.request().headers.get("x-a"), "spaced value");
  EXPECT_EQ(p.request().headers.get("X-Empty"), "");
  EXPECT_EQ(p.request().headers.get("X-Obs"), "caf\xc3\xa9");
}

TEST(RequestParser, LeadingEmptyLineIsIgnored) {
  auto input = "\r\n" + std::string(kUpgrade);
  auto o = parse(input);
  ASSERT_EQ(o.status, ParseStatus::Done);
  EXPECT_EQ(o.consumed, input.size());
}

TEST(RequestParser, Http10WithoutHostIsAccepted) {
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").status, ParseStatus::Done);
}

TEST(RequestParser, QueryAndPathAccessors) {
  Request r;
  r.target = "/a/b";
  EXPECT_EQ(r.path(), "/a/b");
  EXPECT_EQ(r.query(), "");
  r.target = "/a?";
  EXPECT_EQ(r.path(), "/a");
  EXPECT_EQ(r.query(), "");
  r.target = "/?x=1?y";
  EXPECT_EQ(r.path(), "/");
  EXPECT_EQ(r.query(), "x=1?y");
}

TEST(RequestParser, HeadExactlyAtLimitIsAccepted) {
  EXPECT_EQ(parse(kUpgrade, kUpgrade.size()).status, ParseStatus::Done);
}

TEST(RequestParser, HeaderTooLargeIs431AsSoonAsLimitPassed) {
  const std::size_t limit = kUpgrade.size() - 1;
  expectError(kUpgrade, 431, "head_too_large", limit);
  // Detected on the first byte past the limit, not at the end of the line.
  EXPECT_EQ(parse(kUpgrade, limit).consumed, limit + 1);
  std::string huge = withHeaders("Host: a\r\nX-Big: " + std::string(100000, 'a') + "\r\n");
  RequestParser p(1024);
  auto r = p.feed(huge);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.code, 431);
  EXPECT_EQ(r.consumed, 1025u);
}

TEST(RequestParser, RequestLineTooLongIs414) {
  std::string line = "GET /" + std::string(100, 'a') + " HTTP/1.1";  // 114 bytes
  std::string input = line + "\r\nHost: a\r\n\r\n";
  EXPECT_EQ(parse(input, 16384, line.size()).status, ParseStatus::Done);
  expectError(input, 414, "request_line_too_long", 16384, line.size() - 1);
  EXPECT_EQ(parse(input, 16384, line.size() - 1).consumed, line.size());
}

TEST(RequestParser, RequestLineLongerThanWholeHeadLimitIs414) {
  std::string input = "GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  expectError(input, 414, "request_line_too_long", 50, 8192);
}

TEST(RequestParser, DuplicateHostIs400) {
  expectError(withHeaders("Host: a\r\nHost: b\r\n"), 400, "duplicate_host");
  expectError(withHeaders("Host: a\r\nhost: a\r\n"), 400, "duplicate_host");
}

TEST(RequestParser, MissingHostOnHttp11Is400) {
  expectError(withHeaders("Upgrade: websocket\r\n"), 400, "missing_host");
}

TEST(RequestParser, BadHostIs400) {
  expectError(withHeaders("Host: a b\r\n"), 400, "bad_host");
  expectError(withHeaders("Host: a/b\r\n"), 400, "bad_host");
}

TEST(RequestParser, ContentLengthAndTransferEncodingIs400) {
  expectError(withHeaders("Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400,
              "content_length_and_transfer_encoding");
}

TEST(RequestParser, DifferingContentLengthIs400) {
  expectError(withHeaders("Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n"), 400,
              "bad_content_length");
  expectError(withHeaders("Host: a\r\nContent-Length: 5, 6\r\n"), 400, "bad_content_length");
  expectError(withHeaders("Host: a\r\nContent-Length: -1\r\n"), 400, "bad_content_length");
  expectError(withHeaders("Host: a\r\nContent-Length: \r\n"), 400, "bad_content_length");
}

TEST(RequestParser, RepeatedIdenticalContentLengthIsAccepted) {
  EXPECT_EQ(parse(withHeaders("Host: a\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n")).status,
            ParseStatus::Done);
}

TEST(RequestParser, TransferEncodingNotEndingInChunkedIs400) {
  expectError(withHeaders("Host: a\r\nTransfer-Encoding: chunked, gzip\r\n"), 400,
              "bad_transfer_encoding");
  EXPECT_EQ(parse(withHeaders("Host: a\r\nTransfer-Encoding: gzip, chunked\r\n")).status,
            ParseStatus::Done);
}

TEST(RequestParser, ObsoleteLineFoldingIs400) {
  expectError(withHeaders("Host: a\r\nX-A: one\r\n two\r\n"), 400, "obs_fold");
  expectError(withHeaders("Host: a\r\nX-A: one\r\n\ttwo\r\n"), 400, "obs_fold");
  expectError("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "obs_fold");
}

TEST(RequestParser, SpaceBeforeColonIs400) {
  expectError(withHeaders("Host : a\r\n"), 400, "field_space_before_colon");
  expectError(withHeaders("Host: a\r\nX-A\t: b\r\n"), 400, "field_space_before_colon");
}

TEST(RequestParser, BadFieldNameIs400) {
  expectError(withHeaders("Host: a\r\n: b\r\n"), 400, "field_bad_name");
  expectError(withHeaders("Host: a\r\nX(A): b\r\n"), 400, "field_bad_name");
  expectError(withHeaders("Host: a\r\nno colon\r\n"), 400, "field_no_colon");
}

TEST(RequestParser, BareLfIs400) {
  expectError("GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare_lf");
  expectError("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare_lf");
  expectError("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare_lf");
}

TEST(RequestParser, BareCrIs400) {
  expectError(withHeaders("Host: a\r\nX-A: b\rc\r\n"), 400, "field_bad_value");
  expectError("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
}

TEST(RequestParser, NulInValueIs400) {
  expectError(withHeaders("Host: a\r\nX-A: b\0c\r\n"sv), 400, "field_bad_value");
}

TEST(RequestParser, ControlCharsInValueAre400ButHtabIsAllowed) {
  expectError(withHeaders("Host: a\r\nX-A: b\x01" "c\r\n"), 400, "field_bad_value");
  expectError(withHeaders("Host: a\r\nX-A: b\x7f" "c\r\n"), 400, "field_bad_value");
  EXPECT_EQ(parse(withHeaders("Host: a\r\nX-A: b\tc\r\n")).status, ParseStatus::Done);
}

TEST(RequestParser, BadMethodTokenIs400) {
  expectError("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_method");
  expectError(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_method");
}

TEST(RequestParser, BadRequestLineShapeIs400) {
  expectError("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_version");
  expectError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET /\r\nHost: a\r\n\r\n", 400, "bad_request_line");
  expectError("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "bad_version");
}

TEST(RequestParser, TargetMustBeOriginFormWithoutControlsOrSpaces) {
  expectError("GET chat HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET http://a/chat HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
  expectError("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_target");
}

TEST(RequestParser, Http20Is400) {
  expectError("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400, "bad_version");
}

TEST(RequestParser, LowercaseHttpVersionIs400) {
  expectError("GET / http/1.1\r\nHost: a\r\n\r\n", 400, "bad_version");
  expectError("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "bad_version");
  expectError("GET / HTTP/1\r\nHost: a\r\n\r\n", 400, "bad_version");
}

TEST(RequestParser, ErrorIsStickyAndResetStartsOver) {
  RequestParser p(16384);
  auto r = p.feed("GET / HTTP/2.0\r\n");
  ASSERT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(p.feed(kUpgrade).consumed, 0u);
  p.reset();
  EXPECT_EQ(p.errorReason(), "");
  r = p.feed(kUpgrade);
  EXPECT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(p.request().headers.size(), 5u);
}

}  // namespace
}  // namespace wsedge::http
