#pragma once
// From an [auth.NAME] table as written (strings, file names) to a JwtConfig
// with its keys loaded, collecting every problem. The config loader (or the
// server, at start and on reload) calls this; file reading goes through a
// callback so this stays pure and testable.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wsedge/policy/jwt.h"

namespace wsedge::policy {

struct JwtSettings {
  std::vector<std::string> algorithms;  // "RS256", ...
  std::string secret;                   // "" = none
  std::string secretFile;               // "" = none
  std::string jwksFile;                 // "" = none
  std::string publicKeyFile;            // "" = none; a PEM public key (extension)
  std::string issuer;                   // "" = not checked
  std::vector<std::string> audience;    // empty = not checked
  std::chrono::seconds leeway{0};
  std::vector<std::string> tokenFrom{"header:Authorization"};
  std::vector<std::pair<std::string, std::string>> forwardClaims;  // claim -> header
  bool closeOnExpiry = false;
};

/// Reads a whole file; nullopt with `error` set when it cannot.
using FileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string& error)>;

struct JwtSettingsResult {
  std::optional<JwtConfig> config;  // set when errors is empty
  std::vector<std::string> errors;  // each names the key, e.g. "jwks_file: ..."
};

/// Builds and validates. secret and secret_file are mutually exclusive.
JwtSettingsResult buildJwtConfig(const JwtSettings& s, const FileReader& read);

/// A FileReader on the real file system (for the server).
std::optional<std::string> readWholeFile(const std::string& path, std::string& error);

}  // namespace wsedge::policy
