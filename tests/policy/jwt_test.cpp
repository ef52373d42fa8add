#include "wsedge/policy/jwt.h"

#include <gtest/gtest.h>

#include "jwt_test_util.h"

using namespace jwttest;
using namespace std::chrono_literals;
using wsedge::policy::JwtConfig;
using wsedge::policy::JwtError;
using wsedge::policy::JwtKey;
using wsedge::policy::JwtVerifier;

namespace {

constexpr std::int64_t kNow = 1800000000;
const auto kNowTp = std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
const std::string kSecret = "a-shared-secret-of-32-bytes-long";

struct Keys {
  PKey rsa = generate("RSA");
  PKey ec256 = generate("EC", "P-256");
  PKey ec384 = generate("EC", "P-384");
  PKey ed25519 = generate("ED25519");
  PKey ed448 = generate("ED448");
};

const Keys& keys() {
  static const Keys k;  // RSA keygen is slow under ASan: once per binary
  return k;
}

std::vector<JwtKey> jwks(const Json& doc) {
  auto r = wsedge::policy::keysFromJwks(doc.dump());
  EXPECT_TRUE(r.isOk()) << r.error();
  return r.value();
}

JwtConfig allAlgorithmsConfig() {
  JwtConfig c;
  c.algorithms = {JwtAlg::HS256, JwtAlg::HS384, JwtAlg::HS512, JwtAlg::RS256,
                  JwtAlg::RS384, JwtAlg::RS512, JwtAlg::PS256, JwtAlg::PS384,
                  JwtAlg::PS512, JwtAlg::ES256, JwtAlg::ES384, JwtAlg::EdDSA};
  const Keys& k = keys();
  c.keys = jwks({{"keys",
                  {publicJwk(k.rsa.get(), "rsa"), publicJwk(k.ec256.get(), "ec256"),
                   publicJwk(k.ec384.get(), "ec384"), publicJwk(k.ed25519.get(), "ed25519"),
                   publicJwk(k.ed448.get(), "ed448")}}});
  c.keys.push_back(wsedge::policy::hmacKeyFromSecret(kSecret).value());
  return c;
}

Json claims(Json extra = Json::object()) {
  Json c = {{"sub", "alice"}, {"iat", kNow - 10}, {"exp", kNow + 300}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

EVP_PKEY* keyFor(JwtAlg a) {
  const Keys& k = keys();
  switch (a) {
    case JwtAlg::RS256:
    case JwtAlg::RS384:
    case JwtAlg::RS512:
    case JwtAlg::PS256:
    case JwtAlg::PS384:
    case JwtAlg::PS512:
      return k.rsa.get();
    case JwtAlg::ES256:
      return k.ec256.get();
    case JwtAlg::ES384:
      return k.ec384.get();
    case JwtAlg::EdDSA:
      return k.ed25519.get();
    default:
      return nullptr;
  }
}

JwtError verifyWith(const JwtConfig& c, const std::string& token, std::int64_t now = kNow) {
  JwtVerifier v(c);
  return v.verify(token, std::chrono::system_clock::time_point(std::chrono::seconds(now))).error;
}

}  // namespace

class EveryAlgorithm : public ::testing::TestWithParam<JwtAlg> {};

TEST_P(EveryAlgorithm, AcceptedWithAndWithoutKid) {
  const JwtAlg alg = GetParam();
  const JwtConfig c = allAlgorithmsConfig();
  JwtVerifier v(c);
  const std::string token = makeToken(alg, keyFor(alg), kSecret, claims());
  auto r = v.verify(token, kNowTp);
  ASSERT_TRUE(r.ok()) << wsedge::policy::jwtAlgName(alg) << ": "
                      << wsedge::policy::jwtErrorName(r.error);
  EXPECT_EQ(r.claims["sub"], "alice");
  EXPECT_EQ(r.exp, kNow + 300);
  EXPECT_EQ(r.alg, alg);
  if (alg != JwtAlg::HS256 && alg != JwtAlg::HS384 && alg != JwtAlg::HS512) {
    static const std::map<JwtAlg, std::string> kid = {
        {JwtAlg::RS256, "rsa"},   {JwtAlg::RS384, "rsa"},   {JwtAlg::RS512, "rsa"},
        {JwtAlg::PS256, "rsa"},   {JwtAlg::PS384, "rsa"},   {JwtAlg::PS512, "rsa"},
        {JwtAlg::ES256, "ec256"}, {JwtAlg::ES384, "ec384"}, {JwtAlg::EdDSA, "ed25519"}};
    const auto withKid = makeToken(alg, keyFor(alg), kSecret, claims(), {{"kid", kid.at(alg)}});
    EXPECT_TRUE(v.verify(withKid, kNowTp).ok());
    // The right key type but another kid: the kid decides.
    const auto wrongKid = makeToken(alg, keyFor(alg), kSecret, claims(), {{"kid", "ed448"}});
    EXPECT_NE(v.verify(wrongKid, kNowTp).error, JwtError::None);
  }
  // One flipped bit in the signature.
  std::string bad = token;
  const auto dot = bad.rfind('.');
  bad[dot + 3] = bad[dot + 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(v.verify(bad, kNowTp).error, JwtError::BadSignature);
  // A changed payload under the old signature.
  const std::string forged = makeToken(alg, keyFor(alg), kSecret, claims({{"sub", "mallory"}}));
  const std::string spliced = forged.substr(0, forged.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_EQ(v.verify(spliced, kNowTp).error, JwtError::BadSignature);
  // Not allowed when the algorithm is not configured.
  JwtConfig only = c;
  only.algorithms = {alg == JwtAlg::HS256 ? JwtAlg::HS384 : JwtAlg::HS256};
  EXPECT_EQ(verifyWith(only, token), JwtError::AlgNotAllowed);
}

INSTANTIATE_TEST_SUITE_P(Jwt, EveryAlgorithm,
                         ::testing::Values(JwtAlg::HS256, JwtAlg::HS384, JwtAlg::HS512,
                                           JwtAlg::RS256, JwtAlg::RS384, JwtAlg::RS512,
                                           JwtAlg::PS256, JwtAlg::PS384, JwtAlg::PS512,
                                           JwtAlg::ES256, JwtAlg::ES384, JwtAlg::EdDSA),
                         [](const auto& p) {
                           return std::string(wsedge::policy::jwtAlgName(p.param));
                         });

TEST(Jwt, Ed448) {
  JwtConfig c;
  c.algorithms = {JwtAlg::EdDSA};
  c.keys = jwks({{"keys", {publicJwk(keys().ed448.get(), "k")}}});
  EXPECT_EQ(verifyWith(c, makeToken(JwtAlg::EdDSA, keys().ed448.get(), "", claims())),
            JwtError::None);
  // EdDSA covers both curves, so an Ed25519 signature meets the Ed448 key and fails there.
  EXPECT_EQ(verifyWith(c, makeToken(JwtAlg::EdDSA, keys().ed25519.get(), "", claims())),
            JwtError::BadSignature);
}

TEST(Jwt, TimeClaimsAndLeeway) {
  JwtConfig c = allAlgorithmsConfig();
  auto tok = [&](Json extra) { return makeToken(JwtAlg::HS256, nullptr, kSecret, claims(extra)); };
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow}})), JwtError::Expired);  // exp is exclusive
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow - 1}})), JwtError::Expired);
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow + 1}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"nbf", kNow + 1}})), JwtError::NotYetValid);
  EXPECT_EQ(verifyWith(c, tok({{"nbf", kNow}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"iat", kNow + 5}})), JwtError::IssuedInFuture);
  c.leeway = 30s;
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow - 29}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow - 30}})), JwtError::Expired);
  EXPECT_EQ(verifyWith(c, tok({{"nbf", kNow + 30}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"nbf", kNow + 31}})), JwtError::NotYetValid);
  EXPECT_EQ(verifyWith(c, tok({{"iat", kNow + 30}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"iat", kNow + 31}})), JwtError::IssuedInFuture);
  // Fractional NumericDate and wrong types.
  c.leeway = 0s;
  EXPECT_EQ(verifyWith(c, tok({{"exp", kNow + 0.5}})), JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"exp", std::to_string(kNow + 100)}})), JwtError::BadClaim);
  EXPECT_EQ(verifyWith(c, tok({{"nbf", nullptr}})), JwtError::BadClaim);
  // No exp at all is accepted (and reported as such for close_on_expiry).
  Json noExp = claims();
  noExp.erase("exp");
  JwtVerifier v(c);
  auto r = v.verify(makeToken(JwtAlg::HS256, nullptr, kSecret, noExp), kNowTp);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.exp.has_value());
}

TEST(Jwt, IssuerAndAudience) {
  JwtConfig c = allAlgorithmsConfig();
  c.issuer = "https://auth.example.com";
  c.audience = {"chat"};
  auto tok = [&](Json extra) { return makeToken(JwtAlg::HS256, nullptr, kSecret, claims(extra)); };
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", "chat"}})),
            JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://evil.example.com"}, {"aud", "chat"}})),
            JwtError::BadIssuer);
  EXPECT_EQ(verifyWith(c, tok({{"aud", "chat"}})), JwtError::BadIssuer);  // missing iss
  EXPECT_EQ(verifyWith(c, tok({{"iss", 5}, {"aud", "chat"}})), JwtError::BadIssuer);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", "other"}})),
            JwtError::BadAudience);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}})),
            JwtError::BadAudience);  // missing aud
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", {"a", "chat"}}})),
            JwtError::None);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", {"a", "b"}}})),
            JwtError::BadAudience);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", Json::array()}})),
            JwtError::BadAudience);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", 7}})),
            JwtError::BadClaim);
  EXPECT_EQ(verifyWith(c, tok({{"iss", "https://auth.example.com"}, {"aud", "CHAT"}})),
            JwtError::BadAudience);
}

TEST(Jwt, AlgNoneIsNeverAccepted) {
  JwtConfig c = allAlgorithmsConfig();
  const std::string payload = b64(claims().dump());
  for (const char* alg : {"none", "None", "NONE", "", "hs256"}) {
    const std::string header = b64(Json{{"alg", alg}, {"typ", "JWT"}}.dump());
    EXPECT_EQ(verifyWith(c, header + "." + payload + "."), JwtError::UnsupportedAlg) << alg;
    EXPECT_EQ(verifyWith(c, header + "." + payload + "." + b64("sig")), JwtError::UnsupportedAlg)
        << alg;
  }
  EXPECT_FALSE(wsedge::policy::parseJwtAlg("none").has_value());
}

TEST(Jwt, HsSignedWithRsaPublicKeyPemFails) {
  // The classic confusion: the attacker knows the RSA public key and signs
  // HS256 with its PEM text as the HMAC secret.
  const std::string pem = publicPem(keys().rsa.get());
  for (bool fromPem : {false, true}) {
    JwtConfig c;
    c.algorithms = {JwtAlg::RS256, JwtAlg::HS256};
    if (fromPem) {
      c.keys.push_back(wsedge::policy::keyFromPublicPem(pem).value());
    } else {
      c.keys = jwks({{"keys", {publicJwk(keys().rsa.get(), "rsa")}}});
    }
    const std::string forged = makeToken(JwtAlg::HS256, nullptr, pem, claims());
    EXPECT_EQ(verifyWith(c, forged), JwtError::NoKey);
    const std::string forgedKid =
        makeToken(JwtAlg::HS256, nullptr, pem, claims(), {{"kid", "rsa"}});
    EXPECT_NE(verifyWith(c, forgedKid), JwtError::None);
    // And the key type guard holds at the lowest level too.
    EXPECT_FALSE(wsedge::policy::verifyJwsSignature(JwtAlg::HS256, c.keys[0], "a.b", "x"));
    // The genuine RS256 token is fine.
    EXPECT_EQ(verifyWith(c, makeToken(JwtAlg::RS256, keys().rsa.get(), "", claims())),
              JwtError::None);
  }
}

TEST(Jwt, KeyTypeConfusionAcrossFamilies) {
  JwtConfig c = allAlgorithmsConfig();
  // An ES256 signature presented as ES384 (P-256 key, wrong size) and as RS256.
  const std::string es = makeToken(JwtAlg::ES256, keys().ec256.get(), "", claims());
  const std::string sig = es.substr(es.rfind('.'));
  for (const char* alg : {"ES384", "RS256", "PS256", "EdDSA", "HS256"}) {
    const std::string header = b64(Json{{"alg", alg}}.dump());
    EXPECT_EQ(verifyWith(c, header + "." + b64(claims().dump()) + sig), JwtError::BadSignature)
        << alg;
  }
  // A JWK pinned to one algorithm is not used for another of its family.
  JwtConfig pinned;
  pinned.algorithms = {JwtAlg::RS256, JwtAlg::PS256};
  Json jwk = publicJwk(keys().rsa.get(), "rsa");
  jwk["alg"] = "PS256";
  pinned.keys = jwks({{"keys", {jwk}}});
  EXPECT_EQ(verifyWith(pinned, makeToken(JwtAlg::PS256, keys().rsa.get(), "", claims())),
            JwtError::None);
  EXPECT_EQ(verifyWith(pinned, makeToken(JwtAlg::RS256, keys().rsa.get(), "", claims())),
            JwtError::NoKey);
}

TEST(Jwt, UnknownKid) {
  JwtConfig c;
  c.algorithms = {JwtAlg::RS256};
  c.keys = jwks({{"keys", {publicJwk(keys().rsa.get(), "rsa-1")}}});
  EXPECT_EQ(
      verifyWith(c, makeToken(JwtAlg::RS256, keys().rsa.get(), "", claims(), {{"kid", "rsa-2"}})),
      JwtError::UnknownKid);
  EXPECT_EQ(verifyWith(c, makeToken(JwtAlg::RS256, keys().rsa.get(), "", claims(), {{"kid", 12}})),
            JwtError::Malformed);
}

TEST(Jwt, CritHeaderRefused) {
  JwtConfig c = allAlgorithmsConfig();
  EXPECT_EQ(verifyWith(c, makeToken(JwtAlg::HS256, nullptr, kSecret, claims(),
                                    {{"crit", {"exp"}}, {"exp", 1}})),
            JwtError::UnsupportedAlg);
}

TEST(Jwt, TruncatedAtEveryLength) {
  JwtConfig c = allAlgorithmsConfig();
  JwtVerifier v(c);
  const std::string token = makeToken(JwtAlg::ES256, keys().ec256.get(), "", claims());
  ASSERT_TRUE(v.verify(token, kNowTp).ok());
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(v.verify(token.substr(0, n), kNowTp).ok()) << n;
  }
}

TEST(Jwt, MalformedShapes) {
  JwtConfig c = allAlgorithmsConfig();
  const std::string good = makeToken(JwtAlg::HS256, nullptr, kSecret, claims());
  const std::string h = good.substr(0, good.find('.'));
  const std::string sig = good.substr(good.rfind('.') + 1);
  const std::string hsInput = h + "." + b64("[1,2]");
  const std::string arrayPayload =
      hsInput + "." + b64(sign(JwtAlg::HS256, nullptr, kSecret, hsInput));
  const std::string notJsonInput = h + "." + b64("{not json");
  const std::string notJson =
      notJsonInput + "." + b64(sign(JwtAlg::HS256, nullptr, kSecret, notJsonInput));
  for (const std::string& bad : {
           std::string("abc"),
           std::string("a.b"),
           std::string("a.b.c.d"),
           std::string(".."),
           good + ".",
           "." + good,
           good + "=",
           good.substr(0, good.rfind('.')) + ".",
           h + ".e30." + sig + "=",
           b64("not json") + ".e30." + sig,
           b64("[]") + ".e30." + sig,
           arrayPayload,
           notJson,
           std::string(good).replace(2, 1, "+"),
       }) {
    const auto e = verifyWith(c, bad);
    EXPECT_TRUE(e == JwtError::Malformed || e == JwtError::BadSignature)
        << bad << " " << wsedge::policy::jwtErrorName(e);
  }
  EXPECT_EQ(verifyWith(c, ""), JwtError::Missing);
}

TEST(Jwt, HugeTokenRefusedUnparsed) {
  JwtConfig c = allAlgorithmsConfig();
  const std::string big =
      makeToken(JwtAlg::HS256, nullptr, kSecret, claims({{"pad", std::string(16 * 1024, 'x')}}));
  ASSERT_GT(big.size(), 16u * 1024);
  EXPECT_EQ(verifyWith(c, big), JwtError::TooLarge);
  EXPECT_EQ(verifyWith(c, std::string(16 * 1024, 'A')), JwtError::TooLarge);
  c.maxTokenSize = 64 * 1024;
  EXPECT_EQ(verifyWith(c, big), JwtError::None);
}

TEST(Jwt, ErrorNamesAreLogSafe) {
  for (int i = 0; i <= static_cast<int>(JwtError::BadClaim); ++i) {
    const auto n = wsedge::policy::jwtErrorName(static_cast<JwtError>(i));
    EXPECT_FALSE(n.empty());
    EXPECT_EQ(n.find('.'), std::string_view::npos);
  }
}

TEST(JwtKeys, JwksErrors) {
  using wsedge::policy::keysFromJwks;
  EXPECT_FALSE(keysFromJwks("not json").isOk());
  EXPECT_FALSE(keysFromJwks("[]").isOk());
  EXPECT_FALSE(keysFromJwks(R"({"keys": {}})").isOk());
  EXPECT_FALSE(keysFromJwks(R"({"keys": []})").isOk());  // nothing usable
  EXPECT_FALSE(keysFromJwks(R"({"keys": [{"kty": "RSA", "n": "AQAB"}]})").isOk());
  EXPECT_FALSE(keysFromJwks(R"({"keys": [{"kty": "oct", "k": ""}]})").isOk());
  // Only encryption keys and unknown kinds: skipped, so nothing usable.
  EXPECT_FALSE(
      keysFromJwks(
          R"({"keys": [{"kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"}, {"kty": "XYZ"}]})")
          .isOk());
  // A 1024-bit RSA key is refused.
  PKey small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)), EVP_PKEY_free);
  auto r = keysFromJwks(Json{{"keys", {publicJwk(small.get(), "s")}}}.dump());
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.error().find("2048"), std::string::npos);
  // An EC point off the curve.
  Json ec = publicJwk(keys().ec256.get(), "e");
  std::string y = *wsedge::policy::base64UrlDecode(ec["y"].get<std::string>());
  y[31] ^= 1;
  ec["y"] = b64(y);
  EXPECT_FALSE(keysFromJwks(Json{{"keys", {ec}}}.dump()).isOk());
  // "alg" that does not fit the key type.
  Json rsa = publicJwk(keys().rsa.get(), "r");
  rsa["alg"] = "ES256";
  EXPECT_FALSE(keysFromJwks(Json{{"keys", {rsa}}}.dump()).isOk());
  // A single JWK (not wrapped in "keys") is accepted.
  EXPECT_TRUE(keysFromJwks(publicJwk(keys().ed25519.get(), "one").dump()).isOk());
}

TEST(JwtKeys, Secrets) {
  EXPECT_FALSE(wsedge::policy::hmacKeyFromSecret("").isOk());
  EXPECT_EQ(wsedge::policy::hmacKeyFromSecretFile("s3cret\n").value().secret, "s3cret");
  EXPECT_EQ(wsedge::policy::hmacKeyFromSecretFile("s3cret\r\n").value().secret, "s3cret");
  EXPECT_EQ(wsedge::policy::hmacKeyFromSecretFile("s3cret\n\n").value().secret, "s3cret\n");
  EXPECT_FALSE(wsedge::policy::hmacKeyFromSecretFile("\n").isOk());
  EXPECT_FALSE(wsedge::policy::keyFromPublicPem(
                   "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
                   .isOk());
}

TEST(JwtConfig, Validate) {
  JwtConfig c;
  EXPECT_FALSE(c.validate().empty());  // no algorithm
  c.algorithms = {JwtAlg::RS256, JwtAlg::HS256};
  c.keys.push_back(wsedge::policy::hmacKeyFromSecret("x").value());
  auto errors = c.validate();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("RS256"), std::string::npos);
  c.algorithms = {JwtAlg::HS256};
  EXPECT_TRUE(c.validate().empty());
  c.forwardClaims = {{"sub", "X User"}};
  EXPECT_EQ(c.validate().size(), 1u);
}

TEST(TokenSource, Parse) {
  using wsedge::policy::TokenSource;
  EXPECT_EQ(TokenSource::parse("header:Authorization").value().name, "Authorization");
  EXPECT_EQ(TokenSource::parse("query:access_token").value().kind, TokenSource::Kind::Query);
  EXPECT_EQ(TokenSource::parse("cookie:token").value().kind, TokenSource::Kind::Cookie);
  EXPECT_EQ(TokenSource::parse("subprotocol").value().kind, TokenSource::Kind::Subprotocol);
  for (const char* bad : {"header:", "header", "body:x", "header:Bad Name", "", "subprotocol:x"}) {
    EXPECT_FALSE(TokenSource::parse(bad).isOk()) << bad;
  }
}

// Fixtures made by tests/policy/data/make_fixtures.sh: keys from the openssl
// CLI, JWKS and tokens from PyJWT, an independent implementation.
class PyJwtFixtures : public ::testing::Test {
 protected:
  static std::string data(const std::string& f) {
    return readFile(std::string(WSEDGE_TEST_DATA) + "/" + f);
  }
};

TEST_F(PyJwtFixtures, TokensVerifyWithJwksAndPem) {
  JwtConfig c;
  c.algorithms = {JwtAlg::RS256, JwtAlg::PS384, JwtAlg::ES256, JwtAlg::EdDSA, JwtAlg::HS256};
  c.keys = wsedge::policy::keysFromJwks(data("jwks.json")).value();
  ASSERT_EQ(c.keys.size(), 3u);
  c.keys.push_back(wsedge::policy::hmacKeyFromSecret("fixture-secret-0123456789abcdef!").value());
  c.issuer = "https://auth.example.com";
  c.audience = {"chat"};
  const Json tokens = Json::parse(data("pyjwt_tokens.json"));
  JwtVerifier v(c);
  for (auto& [alg, token] : tokens.items()) {
    auto r = v.verify(token.get<std::string>(), kNowTp);
    EXPECT_TRUE(r.ok()) << alg << ": " << wsedge::policy::jwtErrorName(r.error);
    EXPECT_EQ(r.claims.value("role", ""), "admin") << alg;
    EXPECT_EQ(r.exp, 4102444800);
  }
  // The same with the PEM public keys (no kid on those: any kid is served).
  JwtConfig pem = c;
  pem.keys = {wsedge::policy::keyFromPublicPem(data("rsa_public.pem")).value(),
              wsedge::policy::keyFromPublicPem(data("ec256_public.pem")).value(),
              wsedge::policy::keyFromPublicPem(data("ed25519_public.pem")).value(), c.keys[3]};
  JwtVerifier vp(pem);
  for (auto& [alg, token] : tokens.items())
    EXPECT_TRUE(vp.verify(token.get<std::string>(), kNowTp).ok()) << alg;
  // Our signatures verify with the openssl-CLI keys too.
  auto rsa = privateFromPem(data("rsa_private.pem"));
  EXPECT_TRUE(v.verify(makeToken(JwtAlg::RS256, rsa.get(), "",
                                 claims({{"iss", *c.issuer}, {"aud", "chat"}}), {{"kid", "rsa1"}}),
                       kNowTp)
                  .ok());
}
