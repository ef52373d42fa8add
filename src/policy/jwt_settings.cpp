#include "wsedge/policy/jwt_settings.h"

#include <fstream>
#include <sstream>

namespace wsedge::policy {

JwtSettingsResult buildJwtConfig(const JwtSettings& s, const FileReader& read) {
  JwtSettingsResult out;
  JwtConfig c;
  for (const auto& name : s.algorithms) {
    if (auto a = parseJwtAlg(name)) {
      c.algorithms.push_back(*a);
    } else {
      out.errors.push_back("algorithms: unsupported algorithm \"" + name + "\"" +
                           (name == "none" ? " (unsigned tokens are never accepted)" : ""));
    }
  }
  if (!s.secret.empty() && !s.secretFile.empty()) {
    out.errors.push_back("secret and secret_file are mutually exclusive");
  }
  if (!s.secret.empty()) {
    if (auto k = hmacKeyFromSecret(s.secret)) c.keys.push_back(std::move(k).value());
  }
  auto load = [&](const std::string& key, const std::string& path, auto parse) {
    if (path.empty()) return;
    std::string error;
    auto text = read(path, error);
    if (!text) {
      out.errors.push_back(key + ": cannot read \"" + path + "\": " + error);
      return;
    }
    parse(*text);
  };
  load("secret_file", s.secretFile, [&](const std::string& text) {
    auto k = hmacKeyFromSecretFile(text);
    if (!k) {
      out.errors.push_back("secret_file: \"" + s.secretFile + "\": " + k.error());
      return;
    }
    c.keys.push_back(std::move(k).value());
  });
  load("jwks_file", s.jwksFile, [&](const std::string& text) {
    auto keys = keysFromJwks(text);
    if (!keys) {
      out.errors.push_back("jwks_file: \"" + s.jwksFile + "\": " + keys.error());
      return;
    }
    for (auto& k : keys.value()) c.keys.push_back(std::move(k));
  });
  load("public_key_file", s.publicKeyFile, [&](const std::string& text) {
    auto k = keyFromPublicPem(text);
    if (!k) {
      out.errors.push_back("public_key_file: \"" + s.publicKeyFile + "\": " + k.error());
      return;
    }
    c.keys.push_back(std::move(k).value());
  });
  if (!s.issuer.empty()) c.issuer = s.issuer;
  c.audience = s.audience;
  c.leeway = s.leeway;
  c.tokenFrom.clear();
  for (const auto& t : s.tokenFrom) {
    auto src = TokenSource::parse(t);
    if (src) {
      c.tokenFrom.push_back(std::move(src).value());
    } else {
      out.errors.push_back(src.error());
    }
  }
  c.forwardClaims = s.forwardClaims;
  c.closeOnExpiry = s.closeOnExpiry;
  if (out.errors.empty()) {
    for (auto& e : c.validate()) out.errors.push_back(std::move(e));
  }
  if (out.errors.empty()) out.config = std::move(c);
  return out;
}

std::optional<std::string> readWholeFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "no such file or not readable";
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return ss.str();
}

}  // namespace wsedge::policy
