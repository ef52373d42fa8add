#include "wsedge/http/headers.h"

#include <gtest/gtest.h>

namespace wsedge::http {
namespace {

TEST(Headers, IequalsIsAsciiCaseInsensitive) {
  EXPECT_TRUE(iequals("Sec-WebSocket-Key", "sec-websocket-key"));
  EXPECT_FALSE(iequals("Host", "Hostx"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_TRUE(iequals("", ""));
}

TEST(Headers, HeaderHasTokenSplitsCommaList) {
  EXPECT_TRUE(headerHasToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(headerHasToken("Upgrade", "upgrade"));
  EXPECT_TRUE(headerHasToken(" ,\tupgrade\t, ", "upgrade"));
  EXPECT_FALSE(headerHasToken("keep-alive", "upgrade"));
  EXPECT_FALSE(headerHasToken("upgrade-insecure", "upgrade"));
  EXPECT_FALSE(headerHasToken("", "upgrade"));
}

TEST(Headers, MapKeepsOrderAndSpelling) {
  HeaderMap m;
  m.add("X-A", "1");
  m.add("Host", "h");
  m.add("x-a", "2");
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.get("X-a"), "1");
  EXPECT_EQ(m.count("x-A"), 2u);
  auto all = m.getAll("X-A");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], "2");
  EXPECT_FALSE(m.get("Missing").has_value());
  EXPECT_EQ(m.remove("x-a"), 2u);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.fields()[0].name, "Host");
  m.set("HOST", "g");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.fields()[0].name, "HOST");
  EXPECT_EQ(m.get("host"), "g");
  m.clear();
  EXPECT_EQ(m.size(), 0u);
}

}  // namespace
}  // namespace wsedge::http
