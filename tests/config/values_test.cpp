// parseDuration / parseSize / parseHostPort: the value syntaxes of the config file.
#include <gtest/gtest.h>

#include "wsedge/config/loader.h"

namespace wsedge::config {
namespace {

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parseDuration("250ms"), Millis{250});
  EXPECT_EQ(parseDuration("10s"), Millis{10'000});
  EXPECT_EQ(parseDuration("5m"), Millis{300'000});
  EXPECT_EQ(parseDuration("1h"), Millis{3'600'000});
  EXPECT_EQ(parseDuration("0"), Millis{0});
  EXPECT_EQ(parseDuration("0s"), Millis{0});
  EXPECT_EQ(parseDuration("0ms"), Millis{0});
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* bad : {"", "10", "10x", "-1s", "+1s", "1.5s", "s", " 10s", "10s ", "10 s", "10S",
                          "10sec", "1h30m", "99999999999999999999s", "9999999999999999h"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(parseSize("1024"), 1024u);
  EXPECT_EQ(parseSize("0"), 0u);
  EXPECT_EQ(parseSize("512B"), 512u);
  EXPECT_EQ(parseSize("64KiB"), 64u * 1024);
  EXPECT_EQ(parseSize("1MiB"), 1024u * 1024);
  EXPECT_EQ(parseSize("1GiB"), 1024u * 1024 * 1024);
}

TEST(ParseSize, RejectsOtherUnitsAndMalformed) {
  for (const char* bad : {"", "1MB", "1KB", "1kb", "64kib", "1k", "-1", "-1KiB", "1.5MiB", "KiB",
                          "64 KiB", "1TiB", "99999999999999999999", "99999999999GiB"}) {
    EXPECT_FALSE(parseSize(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(ParseHostPort, Ipv4) {
  auto hp = parseHostPort("0.0.0.0:8080", false);
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "0.0.0.0");
  EXPECT_EQ(hp->port, 8080);
  EXPECT_FALSE(hp->ipv6);
  EXPECT_EQ(hp->text, "0.0.0.0:8080");
  EXPECT_EQ(parseHostPort("127.0.0.1:1", false)->port, 1);
  EXPECT_EQ(parseHostPort("127.0.0.1:65535", false)->port, 65535);
}

TEST(ParseHostPort, Ipv6InBrackets) {
  auto hp = parseHostPort("[::1]:80", false);
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 80);
  EXPECT_TRUE(hp->ipv6);
  EXPECT_EQ(hp->text, "[::1]:80");
  auto any = parseHostPort("[::]:8080", false);
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->host, "::");
  EXPECT_EQ(parseHostPort("[2001:db8::5]:443", true)->host, "2001:db8::5");
}

TEST(ParseHostPort, NamesOnlyWhenAllowed) {
  auto hp = parseHostPort("backend-1.example.com:9000", true);
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "backend-1.example.com");
  EXPECT_EQ(hp->port, 9000);
  EXPECT_FALSE(hp->ipv6);
  EXPECT_TRUE(parseHostPort("localhost:9001", true).has_value());
  EXPECT_FALSE(parseHostPort("localhost:9001", false).has_value());
  EXPECT_FALSE(parseHostPort("backend-1.example.com:9000", false).has_value());
}

TEST(ParseHostPort, RejectsMalformed) {
  for (bool names : {false, true}) {
    for (const char* bad : {"",
                            "127.0.0.1",
                            "127.0.0.1:",
                            "127.0.0.1:0",
                            "127.0.0.1:70000",
                            "127.0.0.1:065536",
                            "127.0.0.1:-1",
                            "127.0.0.1:http",
                            "300.1.1.1:80",
                            "1.2.3:80",
                            "01.2.3.4:80",
                            ":80",
                            "::1:80",
                            "[::1]",
                            "[::1]80",
                            "[::1:80",
                            "[zz::1]:80",
                            "[]:80",
                            "[127.0.0.1]:80",
                            "-bad.example:80",
                            "bad_name:80",
                            "a..b:80",
                            "host name:80"}) {
      EXPECT_FALSE(parseHostPort(bad, names).has_value()) << '"' << bad << "\" names=" << names;
    }
  }
}

}  // namespace
}  // namespace wsedge::config
