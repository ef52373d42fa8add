#include "wsedge/policy/origin.h"

#include <gtest/gtest.h>

using wsedge::policy::OriginPolicy;

namespace {
OriginPolicy make(std::vector<std::string> p, bool require = false) {
  auto r = OriginPolicy::parse(p, require);
  EXPECT_TRUE(r.isOk()) << r.error();
  return r.value();
}
}  // namespace

TEST(Origin, Exact) {
  auto p = make({"https://app.example.com"});
  EXPECT_TRUE(p.allowed("https://app.example.com"));
  EXPECT_TRUE(p.allowed("https://app.example.com:443"));  // default port is the same origin
  EXPECT_FALSE(p.allowed("https://evil.example.com"));
  EXPECT_FALSE(p.allowed("https://app.example.com.evil.com"));
  EXPECT_FALSE(p.allowed("https://xapp.example.com"));
}

TEST(Origin, SchemeMismatch) {
  auto p = make({"https://app.example.com"});
  EXPECT_FALSE(p.allowed("http://app.example.com"));
  EXPECT_FALSE(p.allowed("wss://app.example.com"));
}

TEST(Origin, PortMismatch) {
  auto p = make({"https://app.example.com", "http://localhost:3000"});
  EXPECT_FALSE(p.allowed("https://app.example.com:8443"));
  EXPECT_TRUE(p.allowed("http://localhost:3000"));
  EXPECT_FALSE(p.allowed("http://localhost:3001"));
  EXPECT_FALSE(p.allowed("http://localhost"));
}

TEST(Origin, HostCaseInsensitiveSchemeToo) {
  auto p = make({"https://App.Example.COM"});
  EXPECT_TRUE(p.allowed("https://app.example.com"));
  EXPECT_TRUE(p.allowed("HTTPS://APP.EXAMPLE.COM"));
}

TEST(Origin, Wildcard) {
  auto p = make({"https://*.example.com"});
  EXPECT_TRUE(p.allowed("https://a.example.com"));
  EXPECT_TRUE(p.allowed("https://a.b.example.com"));
  EXPECT_TRUE(p.allowed("https://A.EXAMPLE.com"));
  EXPECT_FALSE(p.allowed("https://example.com"));  // the bare domain is not a subdomain
  EXPECT_FALSE(p.allowed("https://evilexample.com"));
  EXPECT_FALSE(p.allowed("https://a.example.com.evil.org"));
  EXPECT_FALSE(p.allowed("http://a.example.com"));
  EXPECT_FALSE(p.allowed("https://a.example.com:444"));
}

TEST(Origin, WildcardWithPort) {
  auto p = make({"http://*.dev.local:8080"});
  EXPECT_TRUE(p.allowed("http://x.dev.local:8080"));
  EXPECT_FALSE(p.allowed("http://x.dev.local"));
}

TEST(Origin, NullOnlyWhenListed) {
  EXPECT_FALSE(make({"https://a.com"}).allowed("null"));
  EXPECT_TRUE(make({"https://a.com", "null"}).allowed("null"));
  EXPECT_FALSE(make({"null"}).allowed("https://a.com"));
}

TEST(Origin, Missing) {
  EXPECT_TRUE(make({"https://a.com"}).allowed(std::nullopt));
  EXPECT_FALSE(make({"https://a.com"}, true).allowed(std::nullopt));
  EXPECT_TRUE(OriginPolicy::any().allowed(std::nullopt));
  EXPECT_FALSE(OriginPolicy::any(true).allowed(std::nullopt));
}

TEST(Origin, AnyStillRejectsGarbage) {
  auto p = OriginPolicy::any();
  EXPECT_TRUE(p.allowed("https://whatever.org:1234"));
  EXPECT_TRUE(p.allowed("null"));
  EXPECT_FALSE(p.allowed("not an origin"));
}

TEST(Origin, MalformedHeaderValues) {
  auto p = make({"https://a.com"});
  for (const char* v : {"", "https://a.com/", "https://a.com/path", "https://", "a.com",
                        "https://a.com:", "https://a.com:99999", "https://user@a.com",
                        "https://a.com?x", "https://*.com", "https://a.com:0", " https://a.com"}) {
    EXPECT_FALSE(p.allowed(std::string_view(v))) << v;
  }
}

TEST(Origin, Ipv6Literal) {
  auto p = make({"http://[::1]:8080"});
  EXPECT_TRUE(p.allowed("http://[::1]:8080"));
  EXPECT_FALSE(p.allowed("http://[::2]:8080"));
}

TEST(Origin, BadPatternsReportAnError) {
  for (const char* bad : {"*", "app.example.com", "https://a.*.com", "https://*", "https://a.com/x",
                          "https://a.com:abc", "ftp//x", "https://*example.com", ""}) {
    auto r = OriginPolicy::parse({bad}, false);
    EXPECT_FALSE(r.isOk()) << bad;
    EXPECT_NE(r.error().find("allowed_origins"), std::string::npos) << r.error();
  }
}
