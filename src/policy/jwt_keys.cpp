#include "wsedge/policy/jwt_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "wsedge/policy/base64url.h"

namespace wsedge::policy {
namespace {

using Json = nlohmann::json;
using KeyResult = core::Result<JwtKey>;

struct Deleters {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleters>;

std::shared_ptr<evp_pkey_st> share(EVP_PKEY* k) { return {k, EVP_PKEY_free}; }

std::optional<std::string> b64Member(const Json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  return base64UrlDecode(it->get_ref<const std::string&>());
}

// The kind of a loaded public key, checking what verification needs.
std::optional<KeyKind> kindOf(EVP_PKEY* k, std::string& error) {
  if (EVP_PKEY_is_a(k, "RSA")) {
    if (EVP_PKEY_get_bits(k) < 2048) {
      error = "RSA key shorter than 2048 bits";
      return std::nullopt;
    }
    return KeyKind::Rsa;
  }
  if (EVP_PKEY_is_a(k, "ED25519")) return KeyKind::Ed25519;
  if (EVP_PKEY_is_a(k, "ED448")) return KeyKind::Ed448;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(k, group, sizeof group, &len) != 1) {
      error = "EC key without a named curve";
      return std::nullopt;
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return KeyKind::EcP256;
    if (g == "secp384r1" || g == "P-384") return KeyKind::EcP384;
    error = "unsupported EC curve";
    return std::nullopt;
  }
  error = "unsupported key type";
  return std::nullopt;
}

EVP_PKEY* fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return pkey;
}

KeyResult rsaFromJwk(const Json& jwk) {
  auto n = b64Member(jwk, "n");
  auto e = b64Member(jwk, "e");
  if (!n || !e || n->empty() || e->empty())
    return KeyResult::fail("RSA key needs base64url \"n\" and \"e\"");
  Owned<BIGNUM> bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                             static_cast<int>(n->size()), nullptr));
  Owned<BIGNUM> be(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                             static_cast<int>(e->size()), nullptr));
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn || !be || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, be.get()) != 1) {
    return KeyResult::fail("RSA key: cannot build parameters");
  }
  EVP_PKEY* k = fromParams("RSA", bld.get());
  if (k == nullptr) return KeyResult::fail("RSA key: invalid \"n\"/\"e\"");
  JwtKey key;
  key.pkey = share(k);
  std::string error;
  auto kind = kindOf(k, error);
  if (!kind) return KeyResult::fail(error);
  key.kind = *kind;
  return KeyResult::ok(std::move(key));
}

KeyResult ecFromJwk(const Json& jwk, std::string_view crv) {
  const bool p256 = crv == "P-256";
  const std::size_t coord = p256 ? 32 : 48;
  auto x = b64Member(jwk, "x");
  auto y = b64Member(jwk, "y");
  if (!x || !y || x->size() != coord || y->size() != coord) {
    return KeyResult::fail("EC key needs \"x\" and \"y\" of the curve's size");
  }
  std::string point = "\x04" + *x + *y;
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  const char* group = p256 ? "prime256v1" : "secp384r1";
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return KeyResult::fail("EC key: cannot build parameters");
  }
  EVP_PKEY* k = fromParams("EC", bld.get());
  if (k == nullptr) return KeyResult::fail("EC key: invalid point");
  JwtKey key;
  key.pkey = share(k);
  // fromdata does not promise the point is on the curve; an invalid-curve
  // point must never reach ECDSA verification.
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return KeyResult::fail("EC key: point not on the curve");
  key.kind = p256 ? KeyKind::EcP256 : KeyKind::EcP384;
  return KeyResult::ok(std::move(key));
}

KeyResult okpFromJwk(const Json& jwk, std::string_view crv) {
  const bool ed25519 = crv == "Ed25519";
  auto x = b64Member(jwk, "x");
  if (!x || x->size() != (ed25519 ? 32u : 57u))
    return KeyResult::fail("OKP key needs \"x\" of the curve's size");
  EVP_PKEY* k =
      EVP_PKEY_new_raw_public_key(ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448, nullptr,
                                  reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (k == nullptr) return KeyResult::fail("OKP key: invalid \"x\"");
  JwtKey key;
  key.pkey = share(k);
  key.kind = ed25519 ? KeyKind::Ed25519 : KeyKind::Ed448;
  return KeyResult::ok(std::move(key));
}

// One JWK: a key, a skip (nullopt value, no error) or an error.
core::Result<std::optional<JwtKey>> keyFromJwk(const Json& jwk) {
  using R = core::Result<std::optional<JwtKey>>;
  if (!jwk.is_object()) return R::fail("a JWK must be an object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return R::fail("a JWK needs \"kty\"");
  if (auto use = jwk.find("use"); use != jwk.end() && (!use->is_string() || *use != "sig")) {
    return R::ok(std::nullopt);  // an encryption key in a shared JWKS
  }
  std::optional<JwtAlg> alg;
  if (auto a = jwk.find("alg"); a != jwk.end()) {
    if (!a->is_string()) return R::fail("JWK \"alg\" must be a string");
    alg = parseJwtAlg(a->get_ref<const std::string&>());
    if (!alg) return R::ok(std::nullopt);  // pinned to an algorithm we do not do
  }
  std::optional<std::string> kid;
  if (auto k = jwk.find("kid"); k != jwk.end()) {
    if (!k->is_string()) return R::fail("JWK \"kid\" must be a string");
    kid = k->get<std::string>();
  }
  const std::string& type = kty->get_ref<const std::string&>();
  std::string crv;
  if (auto c = jwk.find("crv"); c != jwk.end() && c->is_string()) crv = c->get<std::string>();
  KeyResult key = KeyResult::fail("");
  if (type == "RSA") {
    key = rsaFromJwk(jwk);
  } else if (type == "EC" && (crv == "P-256" || crv == "P-384")) {
    key = ecFromJwk(jwk, crv);
  } else if (type == "OKP" && (crv == "Ed25519" || crv == "Ed448")) {
    key = okpFromJwk(jwk, crv);
  } else if (type == "oct") {
    auto k = b64Member(jwk, "k");
    if (!k) return R::fail("oct key needs base64url \"k\"");
    key = hmacKeyFromSecret(*k);
  } else {
    return R::ok(std::nullopt);
  }
  if (!key) return R::fail((kid ? "key \"" + *kid + "\": " : std::string()) + key.error());
  JwtKey out = std::move(key).value();
  if (alg && !keyFitsAlg(out.kind, *alg)) return R::fail("JWK \"alg\" does not fit its key type");
  out.kid = std::move(kid);
  out.alg = alg;
  return R::ok(std::move(out));
}

}  // namespace

std::string_view keyKindName(KeyKind k) {
  switch (k) {
    case KeyKind::Hmac:
      return "hmac";
    case KeyKind::Rsa:
      return "rsa";
    case KeyKind::EcP256:
      return "ec-p256";
    case KeyKind::EcP384:
      return "ec-p384";
    case KeyKind::Ed25519:
      return "ed25519";
    case KeyKind::Ed448:
      return "ed448";
  }
  return "?";
}

namespace {
constexpr std::pair<std::string_view, JwtAlg> kAlgs[] = {
    {"HS256", JwtAlg::HS256}, {"HS384", JwtAlg::HS384}, {"HS512", JwtAlg::HS512},
    {"RS256", JwtAlg::RS256}, {"RS384", JwtAlg::RS384}, {"RS512", JwtAlg::RS512},
    {"PS256", JwtAlg::PS256}, {"PS384", JwtAlg::PS384}, {"PS512", JwtAlg::PS512},
    {"ES256", JwtAlg::ES256}, {"ES384", JwtAlg::ES384}, {"EdDSA", JwtAlg::EdDSA},
};
}  // namespace

std::optional<JwtAlg> parseJwtAlg(std::string_view name) {
  for (const auto& [n, a] : kAlgs) {
    if (n == name) return a;  // exact: "none", "hs256" and the like are not algorithms here
  }
  return std::nullopt;
}

std::string_view jwtAlgName(JwtAlg a) {
  for (const auto& [n, v] : kAlgs) {
    if (v == a) return n;
  }
  return "?";
}

bool keyFitsAlg(KeyKind k, JwtAlg a) {
  switch (a) {
    case JwtAlg::HS256:
    case JwtAlg::HS384:
    case JwtAlg::HS512:
      return k == KeyKind::Hmac;
    case JwtAlg::RS256:
    case JwtAlg::RS384:
    case JwtAlg::RS512:
    case JwtAlg::PS256:
    case JwtAlg::PS384:
    case JwtAlg::PS512:
      return k == KeyKind::Rsa;
    case JwtAlg::ES256:
      return k == KeyKind::EcP256;
    case JwtAlg::ES384:
      return k == KeyKind::EcP384;
    case JwtAlg::EdDSA:
      return k == KeyKind::Ed25519 || k == KeyKind::Ed448;
  }
  return false;
}

core::Result<JwtKey> hmacKeyFromSecret(std::string_view secret) {
  if (secret.empty()) return KeyResult::fail("empty HMAC secret");
  JwtKey k;
  k.kind = KeyKind::Hmac;
  k.secret = std::string(secret);
  return KeyResult::ok(std::move(k));
}

core::Result<JwtKey> hmacKeyFromSecretFile(std::string_view contents) {
  if (contents.ends_with("\r\n")) {
    contents.remove_suffix(2);
  } else if (contents.ends_with("\n")) {
    contents.remove_suffix(1);
  }
  return hmacKeyFromSecret(contents);
}

core::Result<std::vector<JwtKey>> keysFromJwks(std::string_view text) {
  // Failed loads leave entries on the thread's OpenSSL error queue; TLS code
  // on the same thread must not see them later.
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear;
  using R = core::Result<std::vector<JwtKey>>;
  const Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return R::fail("JWKS is not a JSON object");
  std::vector<JwtKey> keys;
  auto add = [&](const Json& jwk) -> std::optional<std::string> {
    auto k = keyFromJwk(jwk);
    if (!k) return k.error();
    if (k.value()) keys.push_back(std::move(*k.value()));
    return std::nullopt;
  };
  if (auto list = doc.find("keys"); list != doc.end()) {
    if (!list->is_array()) return R::fail("JWKS \"keys\" must be an array");
    for (const auto& jwk : *list) {
      if (auto err = add(jwk)) return R::fail("JWKS: " + *err);
    }
  } else if (auto err = add(doc)) {
    return R::fail("JWK: " + *err);
  }
  if (keys.empty()) return R::fail("JWKS holds no usable signature key");
  return R::ok(std::move(keys));
}

core::Result<JwtKey> keyFromPublicPem(std::string_view pem, std::optional<std::string> kid) {
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear;
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return KeyResult::fail("out of memory");
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) return KeyResult::fail("not a PEM public key");
  JwtKey key;
  key.pkey = share(k);
  std::string error;
  auto kind = kindOf(k, error);
  if (!kind) return KeyResult::fail(error);
  key.kind = *kind;
  key.kid = std::move(kid);
  return KeyResult::ok(std::move(key));
}

}  // namespace wsedge::policy
