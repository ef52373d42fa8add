// The TLS keys: [listeners.tls] and the per-server tls settings, with the
// certificate files checked at load time (errors at the key, naming the file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tls/test_certs.h"
#include "wsedge/config/loader.h"

namespace wsedge::config {
namespace {

namespace fs = std::filesystem;
using tls::testing::KeyKind;
using tls::testing::writePair;

class ConfigTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        (fs::temp_directory_path() / ("wsedge-config-tls-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
    writePair(dir_, "a", KeyKind::Ec, {"a.test"});
    writePair(dir_, "b", KeyKind::Rsa, {"b.test"});
    writePair(dir_, "old", KeyKind::Ec, {"a.test"}, -86400 * 30, -86400);
    writePair(dir_, "future", KeyKind::Ec, {"a.test"}, 86400, 86400 * 2);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string file(const std::string& name) { return dir_ + "/" + name; }

  /// A config whose listener has `tlsLines` under [listeners.tls] (from line 4).
  static LoadResult loadTls(const std::string& tlsLines, const std::string& serverLines = "") {
    std::string text = "[[listeners]]\nname = \"l\"\naddress = \"127.0.0.1:8443\"\n" + tlsLines +
                       "\n[[routes]]\npool = \"p\"\n[[pools]]\nname = \"p\"\n[[pools.servers]]\n"
                       "name = \"s\"\naddress = \"127.0.0.1:9001\"\n" +
                       serverLines;
    return loadString(text, "t.toml");
  }
  static std::string pair(const std::string& cert, const std::string& key) {
    return "{ cert = \"" + file(cert) + "\", key = \"" + file(key) + "\" }";
  }
  static std::string errors(const LoadResult& r) {
    std::string out;
    for (const auto& e : r.errors) out += e.format() + "\n";
    return out;
  }

  static inline std::string dir_;
};

TEST_F(ConfigTls, AbsentMeansPlain) {
  auto r = loadTls("");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_FALSE(r.config->listeners[0].tls.has_value());
  EXPECT_FALSE(r.config->pools[0].servers[0].tls);
}

TEST_F(ConfigTls, CertificatesAndDefaults) {
  auto r = loadTls("[listeners.tls]\ncertificates = [" + pair("a.crt", "a.key") + ", " +
                   pair("b.crt", "b.key") + "]\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  const auto& t = *r.config->listeners[0].tls;
  ASSERT_EQ(t.certificates.size(), 2u);
  EXPECT_EQ(t.certificates[0].cert, file("a.crt"));
  EXPECT_EQ(t.certificates[1].key, file("b.key"));
  EXPECT_EQ(t.minVersion, TlsVersion::V1_2);
}

TEST_F(ConfigTls, MinVersion) {
  auto r = loadTls("[listeners.tls]\ncertificates = [" + pair("a.crt", "a.key") +
                   "]\nmin_version = \"1.3\"\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(r.config->listeners[0].tls->minVersion, TlsVersion::V1_3);
  r = loadTls("[listeners.tls]\ncertificates = [" + pair("a.crt", "a.key") +
              "]\nmin_version = \"1.1\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:6:15: listeners[0].tls.min_version: \"1.1\" is not one of 1.2 | 1.3");
}

TEST_F(ConfigTls, MissingFileNamedAtItsKey) {
  auto r = loadTls("[listeners.tls]\ncertificates = [{ cert = \"/nonexistent/x.crt\", key = \"" +
                   file("a.key") + "\" }]\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:5:26: listeners[0].tls.certificates[0].cert: cannot read "
            "\"/nonexistent/x.crt\": No such file or directory");
}

TEST_F(ConfigTls, KeyMustMatchCertificate) {
  auto r = loadTls("[listeners.tls]\ncertificates = [" + pair("a.crt", "b.key") + "]\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[0].message, "listeners[0].tls.certificates[0].key: key \"" + file("b.key") +
                                     "\" does not match certificate \"" + file("a.crt") + "\"");
}

TEST_F(ConfigTls, ExpiredAndNotYetValidCertificates) {
  auto r = loadTls("[listeners.tls]\ncertificates = [" + pair("old.crt", "old.key") + ", " +
                   pair("future.crt", "future.key") + "]\n");
  ASSERT_EQ(r.errors.size(), 2u) << errors(r);
  EXPECT_NE(r.errors[0].message.find("certificate \"" + file("old.crt") + "\" expired on "),
            std::string::npos)
      << r.errors[0].message;
  EXPECT_NE(
      r.errors[1].message.find("certificate \"" + file("future.crt") + "\" is not valid before "),
      std::string::npos)
      << r.errors[1].message;
}

TEST_F(ConfigTls, NotPem) {
  auto r = loadTls("[listeners.tls]\ncertificates = [{ cert = \"t.toml-not-there\", key = \"" +
                   file("a.crt") + "\" }]\n");
  ASSERT_EQ(r.errors.size(), 2u) << errors(r);
  EXPECT_NE(r.errors[1].message.find("holds no PEM private key"), std::string::npos);
}

TEST_F(ConfigTls, CertificatesRequiredAndNotEmpty) {
  auto r = loadTls("[listeners.tls]\nmin_version = \"1.2\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_NE(r.errors[0].message.find("missing required key \"certificates\""), std::string::npos);
  r = loadTls("[listeners.tls]\ncertificates = []\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_NE(r.errors[0].message.find("at least one"), std::string::npos);
  r = loadTls("[listeners.tls]\ncertificates = [{ cert = \"" + file("a.crt") + "\" }]\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_NE(r.errors[0].message.find("missing required key \"key\""), std::string::npos);
}

TEST_F(ConfigTls, UnknownKeysRejected) {
  auto r = loadTls("[listeners.tls]\ncertificates = [" + pair("a.crt", "a.key") +
                   "]\nciphers = \"ALL\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:6:1: listeners[0].tls.ciphers: unknown key (allowed here: certificates, "
            "min_version)");
}

TEST_F(ConfigTls, ServerTlsKeys) {
  auto r = loadTls(
      "", "tls = true\nca_file = \"" + file("a.crt") + "\"\nserver_name = \"backend.internal\"\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  const Server& s = r.config->pools[0].servers[0];
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.caFile, file("a.crt"));
  EXPECT_EQ(s.serverName, "backend.internal");
  EXPECT_FALSE(s.insecureSkipVerify);
  r = loadTls("", "tls = true\ninsecure_skip_verify = true\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_TRUE(r.config->pools[0].servers[0].insecureSkipVerify);
}

TEST_F(ConfigTls, ServerTlsErrors) {
  auto r = loadTls("", "tls = true\nca_file = \"/nonexistent/ca.pem\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:13:11: pools[0].servers[0].ca_file: cannot read \"/nonexistent/ca.pem\": No "
            "such file or directory");
  r = loadTls("", "server_name = \"x\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(),
            "t.toml:12:15: pools[0].servers[0].server_name: only meaningful with tls = true");
  r = loadTls("", "tls = 1\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors(r);
  EXPECT_EQ(r.errors[0].format(), "t.toml:12:7: pools[0].servers[0].tls: expected true or false");
}

}  // namespace
}  // namespace wsedge::config
