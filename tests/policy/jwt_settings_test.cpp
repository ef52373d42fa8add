#include "wsedge/policy/jwt_settings.h"

#include <gtest/gtest.h>

#include <map>

using wsedge::policy::buildJwtConfig;
using wsedge::policy::JwtSettings;

namespace {

wsedge::policy::FileReader fixtures() {
  return [](const std::string& path, std::string& error) -> std::optional<std::string> {
    return wsedge::policy::readWholeFile(std::string(WSEDGE_TEST_DATA) + "/" + path, error);
  };
}

bool hasError(const std::vector<std::string>& errors, const std::string& part) {
  for (const auto& e : errors) {
    if (e.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST(JwtSettings, BuildsFromFiles) {
  JwtSettings s;
  s.algorithms = {"RS256", "ES256", "EdDSA", "HS256"};
  s.secret = "topsecret";
  s.jwksFile = "jwks.json";
  s.issuer = "https://auth.example.com";
  s.audience = {"chat"};
  s.tokenFrom = {"header:Authorization", "subprotocol", "query:access_token", "cookie:token"};
  s.forwardClaims = {{"sub", "X-User-Id"}};
  auto r = buildJwtConfig(s, fixtures());
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->keys.size(), 4u);
  EXPECT_EQ(r.config->tokenFrom.size(), 4u);
  EXPECT_EQ(*r.config->issuer, "https://auth.example.com");
}

TEST(JwtSettings, ReportsEveryError) {
  JwtSettings s;
  s.algorithms = {"none", "RS256", "XX1"};
  s.secret = "a";
  s.secretFile = "secret.txt";
  s.jwksFile = "missing.json";
  s.tokenFrom = {"body:x"};
  auto r = buildJwtConfig(s, fixtures());
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(hasError(r.errors, "\"none\""));
  EXPECT_TRUE(hasError(r.errors, "\"XX1\""));
  EXPECT_TRUE(hasError(r.errors, "mutually exclusive"));
  EXPECT_TRUE(hasError(r.errors, "jwks_file: cannot read"));
  EXPECT_TRUE(hasError(r.errors, "token_from"));
}

TEST(JwtSettings, AlgorithmWithoutKey) {
  JwtSettings s;
  s.algorithms = {"RS256"};
  s.secret = "only-hmac";
  auto r = buildJwtConfig(s, fixtures());
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(hasError(r.errors, "RS256 is allowed but no key"));
}

TEST(JwtSettings, PemPublicKeyFile) {
  JwtSettings s;
  s.algorithms = {"ES256"};
  s.publicKeyFile = "ec256_public.pem";
  auto r = buildJwtConfig(s, fixtures());
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->keys[0].kind, wsedge::policy::KeyKind::EcP256);
  s.publicKeyFile = "jwks.json";
  EXPECT_TRUE(hasError(buildJwtConfig(s, fixtures()).errors, "public_key_file"));
}
