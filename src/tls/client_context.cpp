#include "wsedge/tls/client_context.h"
#include "conn_settings.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "wsedge/core/log.h"
#include "wsedge/tls/server_context.h"

namespace wsedge::tls {
namespace {

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::shared_ptr<ClientContext> ClientContext::create(const std::string& pool,
                                                     const config::Server& server,
                                                     std::string& error) {
  auto cc = std::make_shared<ClientContext>();
  cc->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* c = cc->ctx_.get();
  if (c == nullptr) {
    error = "SSL_CTX_new: " + lastError();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  applyConnSettings(c);
  SSL_CTX_set_alpn_protos(c, kAlpnHttp11, sizeof kAlpnHttp11);
  cc->name_ = server.serverName.empty() ? server.address.host : server.serverName;
  cc->isIp_ = isIpLiteral(cc->name_);
  cc->verify_ = !server.insecureSkipVerify;
  if (cc->verify_) {
    int ok = server.caFile.empty()
                 ? SSL_CTX_set_default_verify_paths(c)
                 : SSL_CTX_load_verify_locations(c, server.caFile.c_str(), nullptr);
    if (ok != 1) {
      error = server.caFile.empty() ? "cannot load the system trust store: " + lastError()
                                    : "ca_file \"" + server.caFile + "\": " + lastError();
      return nullptr;
    }
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    core::log::warn("TLS verification of a backend is OFF (insecure_skip_verify = true)",
                    {{"pool", pool}, {"server", server.name}, {"address", server.address.text}});
  }
  return cc;
}

SSL* ClientContext::newSsl() const {
  SslPtr ssl(SSL_new(ctx_.get()));
  if (!ssl) return nullptr;
  if (!isIp_) SSL_set_tlsext_host_name(ssl.get(), name_.c_str());
  if (verify_) {
    int ok = isIp_ ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), name_.c_str())
                   : SSL_set1_host(ssl.get(), name_.c_str());
    if (ok != 1) {
      ERR_clear_error();
      return nullptr;
    }
  }
  return ssl.release();  // ownership to the caller (then to its net::Conn)
}

}  // namespace wsedge::tls
