#pragma once
// Test-only JWT signing and key generation with OpenSSL EVP, so every
// algorithm is tested against keys made fresh in the test.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "wsedge/policy/base64url.h"
#include "wsedge/policy/jwt_keys.h"

namespace jwttest {

using Json = nlohmann::json;
using wsedge::policy::JwtAlg;
using PKey = std::shared_ptr<EVP_PKEY>;

inline PKey generate(const char* type, const char* param = nullptr) {
  EVP_PKEY* k = nullptr;
  if (std::string(type) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else if (std::string(type) == "EC") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param);
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (k == nullptr) throw std::runtime_error("keygen failed");
  return PKey(k, EVP_PKEY_free);
}

inline std::string bin(const BIGNUM* bn, int pad = 0) {
  std::string out(static_cast<std::size_t>(pad ? pad : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  return out;
}

inline std::string b64(std::string_view s) { return wsedge::policy::base64UrlEncode(s); }

/// The public JWK of `k`.
inline Json publicJwk(EVP_PKEY* k, const std::string& kid = "") {
  Json j;
  if (EVP_PKEY_is_a(k, "RSA")) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
    j = {{"kty", "RSA"}, {"n", b64(bin(n))}, {"e", b64(bin(e))}};
    BN_free(n);
    BN_free(e);
  } else if (EVP_PKEY_is_a(k, "EC")) {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    const int size = EVP_PKEY_get_bits(k) == 256 ? 32 : 48;
    j = {{"kty", "EC"},
         {"crv", size == 32 ? "P-256" : "P-384"},
         {"x", b64(bin(x, size))},
         {"y", b64(bin(y, size))}};
    BN_free(x);
    BN_free(y);
  } else {
    std::string raw(64, '\0');
    size_t len = raw.size();
    EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(raw.data()), &len);
    raw.resize(len);
    j = {{"kty", "OKP"},
         {"crv", EVP_PKEY_is_a(k, "ED25519") ? "Ed25519" : "Ed448"},
         {"x", b64(raw)}};
  }
  if (!kid.empty()) j["kid"] = kid;
  return j;
}

inline std::string publicPem(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

inline PKey privateFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr) throw std::runtime_error("bad private PEM");
  return PKey(k, EVP_PKEY_free);
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline const char* digest(JwtAlg a) {
  switch (a) {
    case JwtAlg::HS256:
    case JwtAlg::RS256:
    case JwtAlg::PS256:
    case JwtAlg::ES256:
      return "SHA256";
    case JwtAlg::HS384:
    case JwtAlg::RS384:
    case JwtAlg::PS384:
    case JwtAlg::ES384:
      return "SHA384";
    case JwtAlg::HS512:
    case JwtAlg::RS512:
    case JwtAlg::PS512:
      return "SHA512";
    case JwtAlg::EdDSA:
      return nullptr;
  }
  return nullptr;
}

/// Signs `input` as JWS algorithm `alg` with `key` (asymmetric) or `secret` (HS*).
inline std::string sign(JwtAlg alg, EVP_PKEY* key, const std::string& secret,
                        const std::string& input) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (alg == JwtAlg::HS256 || alg == JwtAlg::HS384 || alg == JwtAlg::HS512) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t len = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, digest(alg), nullptr, secret.data(), secret.size(), in,
              input.size(), mac, sizeof mac, &len);
    return std::string(reinterpret_cast<char*>(mac), len);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit_ex(ctx, &pctx, digest(alg), nullptr, nullptr, key, nullptr);
  if (alg == JwtAlg::PS256 || alg == JwtAlg::PS384 || alg == JwtAlg::PS512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg == JwtAlg::ES256 || alg == JwtAlg::ES384) {
    const int half = alg == JwtAlg::ES256 ? 32 : 48;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw = bin(ECDSA_SIG_get0_r(es), half) + bin(ECDSA_SIG_get0_s(es), half);
    ECDSA_SIG_free(es);
    return raw;
  }
  return sig;
}

/// A compact JWS with header {"alg":..., extra header members} and `claims`.
inline std::string makeToken(JwtAlg alg, EVP_PKEY* key, const std::string& secret,
                             const Json& claims, Json header = Json::object()) {
  header["alg"] = std::string(wsedge::policy::jwtAlgName(alg));
  header["typ"] = "JWT";
  const std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + b64(sign(alg, key, secret, input));
}

}  // namespace jwttest
