#include "wsedge/http/upgrade.h"

#include <gtest/gtest.h>

namespace wsedge::http {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// A valid upgrade request; `drop` removes a header, `replace` sets one.
Request upgradeRequest(std::string_view drop = {}, std::string_view name = {},
                       std::string_view value = {}) {
  Request r;
  r.method = "GET";
  r.target = "/chat";
  r.headers.add("Host", "example.com");
  r.headers.add("Upgrade", "websocket");
  r.headers.add("Connection", "Upgrade");
  r.headers.add("Sec-WebSocket-Key", std::string(kKey));
  r.headers.add("Sec-WebSocket-Version", "13");
  if (!drop.empty()) r.headers.remove(drop);
  if (!name.empty()) r.headers.set(std::string(name), std::string(value));
  return r;
}

void expectReject(const Request& r, int status, std::string_view reason) {
  auto c = validateUpgrade(r);
  EXPECT_FALSE(c.isUpgrade());
  EXPECT_EQ(c.status, status);
  EXPECT_EQ(c.reason, reason);
}

TEST(ValidateUpgrade, ValidRequest) {
  auto c = validateUpgrade(upgradeRequest());
  EXPECT_TRUE(c.isUpgrade());
  EXPECT_EQ(c.status, 0);
}

TEST(ValidateUpgrade, TokensAreCaseInsensitive) {
  auto r = upgradeRequest({}, "Upgrade", "WebSocket");
  r.headers.set("Connection", "UPGRADE");
  EXPECT_TRUE(validateUpgrade(r).isUpgrade());
}

TEST(ValidateUpgrade, NotGetIs400) {
  auto r = upgradeRequest();
  r.method = "POST";
  expectReject(r, 400, "not_get");
}

TEST(ValidateUpgrade, MissingUpgradeIs426PlainRequest) {
  expectReject(upgradeRequest("Upgrade"), 426, "not_upgrade");
  Request plain;
  plain.method = "GET";
  plain.target = "/";
  plain.headers.add("Host", "a");
  expectReject(plain, 426, "not_upgrade");
}

TEST(ValidateUpgrade, UpgradeH2cIs400) {
  expectReject(upgradeRequest({}, "Upgrade", "h2c"), 400, "upgrade_not_websocket");
}

TEST(ValidateUpgrade, ConnectionWithoutUpgradeIs400) {
  expectReject(upgradeRequest({}, "Connection", "keep-alive"), 400, "connection");
  expectReject(upgradeRequest("Connection"), 400, "connection");
}

TEST(ValidateUpgrade, ConnectionKeepAliveUpgradeIsOk) {
  EXPECT_TRUE(validateUpgrade(upgradeRequest({}, "Connection", "keep-alive, Upgrade")).isUpgrade());
}

TEST(ValidateUpgrade, Http10Is400) {
  auto r = upgradeRequest();
  r.versionMinor = 0;
  expectReject(r, 400, "http_version");
}

TEST(ValidateUpgrade, KeyWrongLengthIs400) {
  // 15 and 17 bytes of base64.
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA"), 400, "bad_key");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA="), 400,
               "bad_key");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA"), 400, "bad_key");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", ""), 400, "bad_key");
}

TEST(ValidateUpgrade, KeyNotBase64Is400) {
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ!="), 400, "bad_key");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "dGhlIHNhbXBsZS*ub25jZQ=="), 400, "bad_key");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZ==="), 400, "bad_key");
}

TEST(ValidateUpgrade, MissingOrDuplicateKeyIs400) {
  expectReject(upgradeRequest("Sec-WebSocket-Key"), 400, "bad_key");
  auto r = upgradeRequest();
  r.headers.add("Sec-WebSocket-Key", std::string(kKey));
  expectReject(r, 400, "bad_key");
}

TEST(ValidateUpgrade, Version8Is426) {
  expectReject(upgradeRequest({}, "Sec-WebSocket-Version", "8"), 426, "version");
}

TEST(ValidateUpgrade, Version8WinsOverBadKeySoClientLearnsVersion13) {
  auto r = upgradeRequest({}, "Sec-WebSocket-Version", "8");
  r.headers.set("Sec-WebSocket-Key", "short");
  expectReject(r, 426, "version");
}

// RFC 6455 §4.2.1 makes the version header mandatory: without it the request
// is malformed (400), not a request for another version (426).
TEST(ValidateUpgrade, MissingVersionIs400BadRequest) {
  expectReject(upgradeRequest("Sec-WebSocket-Version"), 400, "missing_version");
}

TEST(ValidateUpgrade, NonNumericOrRepeatedVersionIs400) {
  expectReject(upgradeRequest({}, "Sec-WebSocket-Version", "13, 8"), 400, "bad_version");
  expectReject(upgradeRequest({}, "Sec-WebSocket-Version", "thirteen"), 400, "bad_version");
  auto r = upgradeRequest();
  r.headers.add("Sec-WebSocket-Version", "13");
  expectReject(r, 400, "bad_version");
}

TEST(ComputeAccept, Rfc6455Example) { EXPECT_EQ(computeAccept(kKey), kAccept); }

Response upgradeResponse(std::string_view accept = kAccept) {
  Response r;
  r.status = 101;
  r.reason = "Switching Protocols";
  r.headers.add("Upgrade", "websocket");
  r.headers.add("Connection", "Upgrade");
  r.headers.add("Sec-WebSocket-Accept", std::string(accept));
  return r;
}

TEST(ValidateUpgradeResponse, ValidAccept) { EXPECT_TRUE(validateUpgradeResponse(upgradeResponse(), kKey)); }

TEST(ValidateUpgradeResponse, WrongAcceptIsFalse) {
  EXPECT_FALSE(validateUpgradeResponse(upgradeResponse("s3pPLMBiTxaQ9kYGzzhZRbK+xOo"), kKey));
  EXPECT_FALSE(validateUpgradeResponse(upgradeResponse(), "AAAAAAAAAAAAAAAAAAAAAA=="));
}

TEST(ValidateUpgradeResponse, WrongStatusOrHeadersIsFalse) {
  auto r = upgradeResponse();
  r.status = 200;
  EXPECT_FALSE(validateUpgradeResponse(r, kKey));
  r = upgradeResponse();
  r.headers.set("Upgrade", "h2c");
  EXPECT_FALSE(validateUpgradeResponse(r, kKey));
  r = upgradeResponse();
  r.headers.remove("Connection");
  EXPECT_FALSE(validateUpgradeResponse(r, kKey));
  r = upgradeResponse();
  r.headers.add("Sec-WebSocket-Accept", std::string(kAccept));
  EXPECT_FALSE(validateUpgradeResponse(r, kKey));
}

}  // namespace
}  // namespace wsedge::http
