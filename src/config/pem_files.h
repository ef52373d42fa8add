#pragma once
// Internal to the config module: checks the PEM files a configuration names
// (certificates, keys, CA bundles) so --check-config and a reload catch a bad
// file before any listener uses it. libcrypto only; no I/O beyond reading files.
#include <string>

#include "wsedge/config/config.h"

namespace wsedge::config::detail {

struct PemProblems {
  std::string cert;  // "" = the certificate file is fine
  std::string key;   // "" = the key file is fine and matches the certificate
};

/// Reads both files: the certificate must parse, be valid now (not expired,
/// not before its start), and the key must parse and match it.
PemProblems checkCertificateFiles(const CertificateFiles& files);
/// "" when `path` is a readable PEM file with at least one certificate.
std::string checkCaFile(const std::string& path);

}  // namespace wsedge::config::detail
