// feedFromBuffer must see every chain of an evbuffer, however many there are.
#include <event2/buffer.h>
#include <gtest/gtest.h>

#include <string>

#include "../../src/proxy/buffer_feed.h"
#include "wsedge/http/request_parser.h"

namespace wsedge::proxy {
namespace {

const std::string kHead =
    "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

TEST(BufferFeed, SeesEveryChainOfAFragmentedBuffer) {
  evbuffer* buf = evbuffer_new();
  // One chain per byte: far more chains than one peek returns.
  std::string bytes = kHead + "\x81\x00";
  for (const char& c : bytes) evbuffer_add_reference(buf, &c, 1, nullptr, nullptr);
  ASSERT_GT(evbuffer_peek(buf, -1, nullptr, nullptr, 0), 16);

  http::RequestParser parser(16 * 1024);
  std::size_t fed = 0;
  core::FeedResult r = feedFromBuffer(buf, 0, parser, fed);
  EXPECT_EQ(r.status, core::ParseStatus::Done);
  EXPECT_EQ(fed, kHead.size());  // the frame after the head is not consumed
  EXPECT_EQ(parser.request().target, "/chat");
  evbuffer_free(buf);
}

TEST(BufferFeed, StartsAtTheOffsetAndStopsAtTheEnd) {
  evbuffer* buf = evbuffer_new();
  std::string first = kHead.substr(0, 20);
  evbuffer_add(buf, first.data(), first.size());
  http::RequestParser parser(16 * 1024);
  std::size_t fed = 0;
  EXPECT_EQ(feedFromBuffer(buf, 0, parser, fed).status, core::ParseStatus::NeedMore);
  EXPECT_EQ(fed, first.size());
  std::string rest = kHead.substr(20);
  evbuffer_add(buf, rest.data(), rest.size());
  EXPECT_EQ(feedFromBuffer(buf, first.size(), parser, fed).status, core::ParseStatus::Done);
  EXPECT_EQ(fed, rest.size());
  evbuffer_free(buf);
}

TEST(BufferFeed, ReportsTheParsersError) {
  evbuffer* buf = evbuffer_new();
  std::string bad = "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";
  evbuffer_add(buf, bad.data(), bad.size());
  http::RequestParser parser(16 * 1024);
  std::size_t fed = 0;
  core::FeedResult r = feedFromBuffer(buf, 0, parser, fed);
  EXPECT_EQ(r.status, core::ParseStatus::Error);
  EXPECT_EQ(r.code, 400);
  evbuffer_free(buf);
}

}  // namespace
}  // namespace wsedge::proxy
