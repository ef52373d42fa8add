#pragma once
// Test-only: makes keys and certificates with libcrypto, so unit tests need no
// fixtures on disk that could expire. Header-only; libcrypto only.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>
#include <vector>

#include "wsedge/tls/handles.h"

namespace wsedge::tls::testing {

enum class KeyKind { Ec, Rsa };

inline EvpPkeyPtr makeKey(KeyKind kind) {
  return EvpPkeyPtr(kind == KeyKind::Ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
}

/// A self-signed certificate for `dnsNames` (SAN), valid from now+`fromSec`
/// to now+`toSec`.
inline X509Ptr makeCert(EVP_PKEY* key, const std::vector<std::string>& dnsNames, long fromSec = -60,
                        long toSec = 86400) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), fromSec);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), toSec);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn = dnsNames.empty() ? "none" : dnsNames.front();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!dnsNames.empty()) {
    std::string san;
    for (const auto& n : dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), key, EVP_sha256());
  return cert;
}

inline void writeCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
}

inline void writeKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

/// Writes `<dir>/<name>.crt` and `<dir>/<name>.key`.
inline void writePair(const std::string& dir, const std::string& name, KeyKind kind,
                      const std::vector<std::string>& dnsNames, long fromSec = -60,
                      long toSec = 86400) {
  EvpPkeyPtr key = makeKey(kind);
  X509Ptr cert = makeCert(key.get(), dnsNames, fromSec, toSec);
  writeCert(dir + "/" + name + ".crt", cert.get());
  writeKey(dir + "/" + name + ".key", key.get());
}

}  // namespace wsedge::tls::testing
