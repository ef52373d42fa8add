#include "wsedge/tls/server_context.h"
#include "conn_settings.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace wsedge::tls {
namespace {

// Mozilla "intermediate" for TLS 1.2: forward secrecy and AEAD only. TLS 1.3
// suites are OpenSSL's defaults (all AEAD).
constexpr const char* kCiphers12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kSessionContext[] = "wsedge";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// ALPN: http/1.1 when offered; a client that offers ALPN without it (h2
/// only) gets a no_application_protocol alert rather than a protocol it
/// would then misread. No ALPN at all is fine.
int onAlpn(SSL*, const unsigned char** out, unsigned char* outLen, const unsigned char* in,
           unsigned int inLen, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outLen, kAlpnHttp11, sizeof kAlpnHttp11, in, inLen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

std::string lastError() {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) last = code;
  if (last == 0) return {};
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

std::vector<std::string> certificateNames(X509* cert) {
  std::vector<std::string> names;
  GeneralNamesPtr san(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (san) {
    for (int i = 0; i < sk_GENERAL_NAME_num(san.get()); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(san.get(), i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = g->d.dNSName;
      names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        static_cast<std::size_t>(ASN1_STRING_length(s)))));
    }
  }
  if (names.empty()) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
      names.push_back(lower(cn));
    }
  }
  return names;
}

std::shared_ptr<ServerContext> ServerContext::create(const config::ListenerTls& conf,
                                                     std::shared_ptr<TicketKeys> keys,
                                                     std::string& error) {
  auto sc = std::shared_ptr<ServerContext>(new ServerContext());
  sc->keys_ = std::move(keys);
  for (const auto& files : conf.certificates) {
    if (!sc->addCertificate(files, conf, error)) return nullptr;
  }
  if (sc->entries_.empty()) {
    error = "no certificate";
    return nullptr;
  }
  return sc;
}

SslCtxPtr ServerContext::newContext(const config::ListenerTls& conf, std::string& error) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    error = "SSL_CTX_new: " + lastError();
    return nullptr;
  }
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(
      c, conf.minVersion == config::TlsVersion::V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(c, kCiphers12);
  applyConnSettings(c);
  // Resumption is by stateless tickets only: no per-process session cache
  // that workers would contend on and a reload would lose.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  keys_->install(c);
  SSL_CTX_set_alpn_select_cb(c, &onAlpn, nullptr);
  SSL_CTX_set_tlsext_servername_callback(c, &ServerContext::onServerName);
  SSL_CTX_set_tlsext_servername_arg(c, this);
  return ctx;
}

bool ServerContext::addCertificate(const config::CertificateFiles& files,
                                   const config::ListenerTls& conf, std::string& error) {
  // Read the leaf once to learn its names and key type.
  BioPtr bio(BIO_new_file(files.cert.c_str(), "r"));
  X509Ptr leaf(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!leaf) {
    error = "certificate \"" + files.cert + "\": " + lastError();
    return false;
  }
  std::vector<std::string> names = certificateNames(leaf.get());
  int keyType = EVP_PKEY_get_base_id(X509_get0_pubkey(leaf.get()));

  // Same names, other key type: a second certificate in the same context.
  Entry* entry = nullptr;
  for (auto& e : entries_) {
    if (e.names == names &&
        std::find(e.keyTypes.begin(), e.keyTypes.end(), keyType) == e.keyTypes.end()) {
      entry = &e;
      break;
    }
  }
  if (entry == nullptr) {
    SslCtxPtr ctx = newContext(conf, error);
    if (!ctx) return false;
    entries_.push_back({std::move(ctx), names, {}});
    entry = &entries_.back();
    for (const auto& n : names) {
      if (n.starts_with("*.")) {
        wildcard_.emplace(n.substr(2), entry->ctx.get());
      } else {
        exact_.emplace(n, entry->ctx.get());  // the first certificate naming it wins
      }
    }
  }
  SSL_CTX* c = entry->ctx.get();
  if (SSL_CTX_use_certificate_chain_file(c, files.cert.c_str()) != 1) {
    error = "certificate \"" + files.cert + "\": " + lastError();
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(c, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "key \"" + files.key + "\": " + lastError();
    return false;
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    error = "key \"" + files.key + "\" does not match certificate \"" + files.cert + "\"";
    ERR_clear_error();
    return false;
  }
  entry->keyTypes.push_back(keyType);
  return true;
}

SSL* ServerContext::newSsl() const { return SSL_new(entries_.front().ctx.get()); }

SSL_CTX* ServerContext::select(std::string_view serverName) const {
  std::string name(serverName);
  if (auto it = exact_.find(name); it != exact_.end()) return it->second;
  // "*.example.com" covers exactly one label: a.example.com, not a.b.example.com.
  if (auto dot = name.find('.'); dot != std::string::npos && dot > 0) {
    if (auto it = wildcard_.find(name.substr(dot + 1)); it != wildcard_.end()) return it->second;
  }
  return entries_.front().ctx.get();
}

std::vector<std::vector<std::string>> ServerContext::names() const {
  std::vector<std::vector<std::string>> out;
  for (const auto& e : entries_) out.push_back(e.names);
  return out;
}

int ServerContext::onServerName(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (sni == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  std::string name = lower(sni);
  if (!name.empty() && name.back() == '.') name.pop_back();
  SSL_CTX* ctx = self->select(name);
  if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
  // An unknown name gets the default certificate, as browsers expect.
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace wsedge::tls
