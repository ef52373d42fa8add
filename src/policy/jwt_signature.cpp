// JWS signature verification (RFC 7518 §3) with OpenSSL EVP.
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "wsedge/policy/jwt.h"

namespace wsedge::policy {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const char* digestName(JwtAlg a) {
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

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool verifyHmac(JwtAlg alg, const JwtKey& key, std::string_view input, std::string_view sig) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digestName(alg), nullptr, key.secret.data(),
                key.secret.size(), bytes(input), input.size(), mac, sizeof mac, &len) == nullptr) {
    return false;
  }
  return sig.size() == len && CRYPTO_memcmp(mac, sig.data(), len) == 0;
}

// JWS carries ECDSA signatures as the fixed-size R || S; EVP wants DER.
std::string ecdsaRawToDer(std::string_view raw) {
  const int half = static_cast<int>(raw.size() / 2);
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(raw), half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {  // set0 takes r and s
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verifyAsymmetric(JwtAlg alg, const JwtKey& key, std::string_view input, std::string_view sig) {
  std::string der;
  if (alg == JwtAlg::ES256 || alg == JwtAlg::ES384) {
    if (sig.size() != (alg == JwtAlg::ES256 ? 64u : 96u)) return false;
    der = ecdsaRawToDer(sig);
    if (der.empty()) return false;
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digestName(alg), nullptr, nullptr,
                                      key.pkey.get(), nullptr) != 1) {
    return false;
  }
  if (alg == JwtAlg::PS256 || alg == JwtAlg::PS384 || alg == JwtAlg::PS512) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  } else if (key.kind == KeyKind::Rsa) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return false;
  }
  return EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(input), input.size()) == 1;
}

}  // namespace

bool verifyJwsSignature(JwtAlg alg, const JwtKey& key, std::string_view signingInput,
                        std::string_view signature) {
  if (!keyFitsAlg(key.kind, alg)) return false;  // the HS/RS confusion stops here
  if (key.alg && *key.alg != alg) return false;
  bool ok;
  if (key.kind == KeyKind::Hmac) {
    ok = !key.secret.empty() && verifyHmac(alg, key, signingInput, signature);
  } else {
    ok = key.pkey != nullptr && verifyAsymmetric(alg, key, signingInput, signature);
  }
  // A failed verification leaves entries on this thread's OpenSSL error queue;
  // TLS code on the same worker thread must not trip over them later.
  ERR_clear_error();
  return ok;
}

}  // namespace wsedge::policy
