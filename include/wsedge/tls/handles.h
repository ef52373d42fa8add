#pragma once
// RAII owners for OpenSSL objects, the same pattern as core/handles.h: the
// deleters below are the only places that call the OpenSSL *_free functions.
// Header-only and libcrypto/libssl-only on purpose, so config/ can use the
// libcrypto ones (X509, EVP_PKEY, BIO) to validate certificate files without
// linking the I/O library.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace wsedge::tls {

struct OpenSslDeleter {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter>;
/// An SSL not yet handed to a net::Conn (which then owns it).
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslDeleter>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter>;

}  // namespace wsedge::tls
