// ServerContext and TicketKeys, driven by in-memory handshakes (BIO pairs):
// SNI selection, RSA+ECDSA under one name set, ALPN, and ticket resumption
// across key rotations.
#include "wsedge/tls/server_context.h"

#include <gtest/gtest.h>

#include <memory>
#include <openssl/err.h>
#include <unistd.h>

#include <filesystem>

#include "tls/test_certs.h"
#include "wsedge/tls/ticket_keys.h"

namespace wsedge::tls {
namespace {

namespace fs = std::filesystem;
using testing::KeyKind;

class TlsServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = (fs::temp_directory_path() / ("wsedge-tls-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
    testing::writePair(dir_, "a", KeyKind::Ec, {"a.test", "*.wild.test"});
    testing::writePair(dir_, "b", KeyKind::Rsa, {"b.test"});
    testing::writePair(dir_, "a_rsa", KeyKind::Rsa, {"a.test", "*.wild.test"});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static config::CertificateFiles files(const std::string& n) {
    return {dir_ + "/" + n + ".crt", dir_ + "/" + n + ".key"};
  }
  std::shared_ptr<ServerContext> make(std::vector<std::string> names,
                                      config::TlsVersion v = config::TlsVersion::V1_2) {
    config::ListenerTls conf;
    conf.minVersion = v;
    for (const auto& n : names) conf.certificates.push_back(files(n));
    std::string error;
    auto sc = ServerContext::create(conf, keys_, error);
    EXPECT_TRUE(sc) << error;
    return sc;
  }

  struct Result {
    bool ok = false;
    std::vector<std::string> names;  // of the certificate the server presented
    std::string alpn;
    bool reused = false;
    std::shared_ptr<SSL_SESSION> session;  // freed with the last copy
    int keyType = 0;
  };

  /// One full client/server exchange in memory.
  Result connect(const ServerContext& sc, const char* sni, const std::vector<std::string>& alpn,
                 SSL_SESSION* resume = nullptr, int maxVersion = 0, const char* ciphers = nullptr) {
    SslCtxPtr cctx(SSL_CTX_new(TLS_client_method()));
    if (maxVersion) SSL_CTX_set_max_proto_version(cctx.get(), maxVersion);
    if (ciphers) SSL_CTX_set_cipher_list(cctx.get(), ciphers);
    SslPtr client(SSL_new(cctx.get()));
    SslPtr server(sc.newSsl());
    BIO* cb = nullptr;
    BIO* sb = nullptr;
    BIO_new_bio_pair(&cb, 0, &sb, 0);
    SSL_set_bio(client.get(), cb, cb);  // the SSLs own the BIOs from here
    SSL_set_bio(server.get(), sb, sb);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
    if (sni) SSL_set_tlsext_host_name(client.get(), sni);
    if (!alpn.empty()) {
      std::string wire;
      for (const auto& p : alpn) wire += static_cast<char>(p.size()) + p;
      SSL_set_alpn_protos(client.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
    if (resume) SSL_set_session(client.get(), resume);
    Result r;
    for (int i = 0; i < 50; ++i) {
      int c = SSL_do_handshake(client.get());
      int s = SSL_do_handshake(server.get());
      if (c == 1 && s == 1) {
        r.ok = true;
        break;
      }
      auto blocked = [](SSL* ssl, int rc) {
        int e = SSL_get_error(ssl, rc);
        return rc == 1 || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
      };
      if (!blocked(client.get(), c) || !blocked(server.get(), s)) break;
    }
    ERR_clear_error();
    if (!r.ok) return r;
    // TLS 1.3 tickets come after the handshake: let the client read them.
    char byte = 'x';
    SSL_write(server.get(), &byte, 1);
    SSL_read(client.get(), &byte, 1);
    X509* peer = SSL_get0_peer_certificate(client.get());
    r.names = certificateNames(peer);
    r.keyType = EVP_PKEY_get_base_id(X509_get0_pubkey(peer));
    const unsigned char* sel = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(client.get(), &sel, &len);
    r.alpn.assign(reinterpret_cast<const char*>(sel), len);
    r.reused = SSL_session_reused(client.get()) == 1;
    r.session.reset(SSL_get1_session(client.get()), SSL_SESSION_free);
    // Freed without a shutdown, OpenSSL marks the session not resumable.
    SSL_set_shutdown(client.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    return r;
  }

  static inline std::string dir_;
  std::shared_ptr<TicketKeys> keys_ = std::make_shared<TicketKeys>();
};

using Names = std::vector<std::string>;

TEST_F(TlsServer, SniSelectsExactWildcardAndDefault) {
  auto sc = make({"a", "b"});
  EXPECT_EQ(connect(*sc, "b.test", {}).names, Names{"b.test"});
  EXPECT_EQ(connect(*sc, "a.test", {}).names, (Names{"a.test", "*.wild.test"}));
  EXPECT_EQ(connect(*sc, "x.wild.test", {}).names, (Names{"a.test", "*.wild.test"}));
  EXPECT_EQ(connect(*sc, "unknown.test", {}).names, (Names{"a.test", "*.wild.test"}));
  EXPECT_EQ(connect(*sc, nullptr, {}).names, (Names{"a.test", "*.wild.test"}));
  // The default follows the order of the list.
  auto sc2 = make({"b", "a"});
  EXPECT_EQ(connect(*sc2, "unknown.test", {}).names, Names{"b.test"});
  EXPECT_EQ(connect(*sc2, "a.wild.test", {}).names, (Names{"a.test", "*.wild.test"}));
  EXPECT_EQ(sc->select("deep.x.wild.test"), sc->select("unknown.test"));
}

TEST_F(TlsServer, RsaAndEcdsaShareOneContextForTheSameNames) {
  auto sc = make({"a", "a_rsa", "b"});
  EXPECT_EQ(sc->names().size(), 2u);  // {a, a_rsa} and {b}
  auto ec = connect(*sc, "a.test", {}, nullptr, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
  auto rsa = connect(*sc, "a.test", {}, nullptr, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  ASSERT_TRUE(ec.ok && rsa.ok);
  EXPECT_EQ(ec.keyType, EVP_PKEY_EC);
  EXPECT_EQ(rsa.keyType, EVP_PKEY_RSA);
}

TEST_F(TlsServer, AlpnHttp11OrNothingElse) {
  auto sc = make({"a"});
  auto r = connect(*sc, "a.test", {"h2", "http/1.1"});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.alpn, "http/1.1");
  r = connect(*sc, "a.test", {});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.alpn, "");
  EXPECT_FALSE(connect(*sc, "a.test", {"h2"}).ok);
}

TEST_F(TlsServer, MinVersion13RefusesTls12) {
  auto sc = make({"a"}, config::TlsVersion::V1_3);
  EXPECT_FALSE(connect(*sc, "a.test", {}, nullptr, TLS1_2_VERSION).ok);
  EXPECT_TRUE(connect(*sc, "a.test", {}).ok);
}

TEST_F(TlsServer, TicketsResumeAcrossOneRotationNotTwo) {
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    keys_ = std::make_shared<TicketKeys>();
    auto sc = make({"a"});
    auto first = connect(*sc, "a.test", {}, nullptr, version);
    ASSERT_TRUE(first.ok);
    EXPECT_FALSE(first.reused);
    auto second = connect(*sc, "a.test", {}, first.session.get(), version);
    EXPECT_TRUE(second.reused);
    keys_->rotate();  // the ticket's key is now the previous one: still accepted
    auto third = connect(*sc, "a.test", {}, first.session.get(), version);
    EXPECT_TRUE(third.reused);
    keys_->rotate();
    keys_->rotate();  // gone
    auto fourth = connect(*sc, "a.test", {}, first.session.get(), version);
    EXPECT_TRUE(fourth.ok);
    EXPECT_FALSE(fourth.reused);
  }
}

TEST_F(TlsServer, ContextsFromAnotherBuildShareTickets) {
  // A reload builds new contexts with the same TicketKeys: sessions survive.
  auto before = make({"a"});
  auto first = connect(*before, "a.test", {});
  auto after = make({"a"});
  auto second = connect(*after, "a.test", {}, first.session.get());
  EXPECT_TRUE(second.reused);
}

TEST_F(TlsServer, CreateFailsNamingTheFile) {
  config::ListenerTls conf;
  conf.certificates.push_back({dir_ + "/missing.crt", dir_ + "/a.key"});
  std::string error;
  EXPECT_FALSE(ServerContext::create(conf, keys_, error));
  EXPECT_NE(error.find(dir_ + "/missing.crt"), std::string::npos) << error;
  conf.certificates = {{dir_ + "/a.crt", dir_ + "/b.key"}};
  EXPECT_FALSE(ServerContext::create(conf, keys_, error));
  EXPECT_NE(error.find(dir_ + "/b.key"), std::string::npos) << error;
}

TEST(TicketKeys, CurrentPreviousAndLifetime) {
  TicketKeys keys(std::chrono::seconds(3600));
  TicketKeys::Key k1 = keys.current();
  TicketKeys::Key found;
  bool isCurrent = false;
  ASSERT_TRUE(keys.find(k1.name.data(), found, isCurrent));
  EXPECT_TRUE(isCurrent);
  keys.rotate();
  ASSERT_TRUE(keys.find(k1.name.data(), found, isCurrent));
  EXPECT_FALSE(isCurrent);
  EXPECT_EQ(found.aes, k1.aes);
  EXPECT_NE(keys.current().name, k1.name);
  keys.rotate();
  EXPECT_FALSE(keys.find(k1.name.data(), found, isCurrent));
}

TEST(TicketKeys, ZeroRotationRotatesOnEveryTicket) {
  TicketKeys keys(std::chrono::seconds(0));
  auto a = keys.current();
  auto b = keys.current();
  EXPECT_NE(a.name, b.name);
}

}  // namespace
}  // namespace wsedge::tls
