// The TLS keys: [listeners.tls] (certificates chosen by SNI, min_version) and
// the per-server tls / ca_file / server_name / insecure_skip_verify. Files are
// read and checked here so a bad one is an error at its key, naming the file.
#include "pem_files.h"
#include "reader.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {
namespace {

std::optional<bool> boolean(Reader& r, const toml::node& n, const std::string& path) {
  if (const auto* b = n.as_boolean()) return b->get();
  r.error(n, path + ": expected true or false");
  return std::nullopt;
}

/// A non-empty string naming a file.
std::optional<std::string> fileName(Reader& r, const toml::table& t, std::string_view key,
                                    const std::string& path) {
  const auto* n = r.required(t, key, path);
  if (n == nullptr) return std::nullopt;
  std::string where = joinPath(path, key);
  auto s = r.string(*n, where);
  if (s && s->empty()) {
    r.error(*n, where + ": must name a file");
    return std::nullopt;
  }
  return s;
}

void readCertificate(Reader& r, const toml::table& t, const std::string& path,
                     std::vector<CertificateFiles>& out) {
  r.rejectUnknownKeys(t, path, {"cert", "key"}, {});
  auto cert = fileName(r, t, "cert", path);
  auto key = fileName(r, t, "key", path);
  if (!cert || !key) return;
  PemProblems p = checkCertificateFiles({*cert, *key});
  if (!p.cert.empty()) r.error(*t.get("cert"), joinPath(path, "cert") + ": " + p.cert);
  if (!p.key.empty()) r.error(*t.get("key"), joinPath(path, "key") + ": " + p.key);
  out.push_back({std::move(*cert), std::move(*key)});
}

}  // namespace

void readListenerTls(Reader& r, const toml::table& listener, const std::string& listenerPath,
                     std::optional<ListenerTls>& out) {
  const toml::table* t = r.table(listener, "tls", listenerPath);
  if (t == nullptr) return;
  std::string path = joinPath(listenerPath, "tls");
  r.rejectUnknownKeys(*t, path, {"certificates", "min_version"}, {});
  ListenerTls tls;
  tls.minVersion = defaults::kTlsMinVersion;
  if (const auto* n = t->get("min_version")) {
    if (auto i = r.choice(*n, joinPath(path, "min_version"), {"1.2", "1.3"})) {
      tls.minVersion = *i == 0 ? TlsVersion::V1_2 : TlsVersion::V1_3;
    }
  }
  if (const auto* n = r.required(*t, "certificates", path)) {
    auto tables = r.tables(*t, "certificates", path);
    std::string where = joinPath(path, "certificates");
    for (std::size_t i = 0; i < tables.size(); ++i) {
      readCertificate(r, *tables[i], indexPath(where, i), tls.certificates);
    }
    if (n->is_array() && n->as_array()->empty()) {
      r.error(*n, where + ": at least one { cert = \"...\", key = \"...\" } is required");
    }
  }
  out = std::move(tls);
}

void readServerTls(Reader& r, const toml::table& t, const std::string& path, Server& s) {
  s.tls = defaults::kServerTls;
  s.insecureSkipVerify = defaults::kInsecureSkipVerify;
  if (const auto* n = t.get("tls")) {
    if (auto b = boolean(r, *n, joinPath(path, "tls"))) s.tls = *b;
  }
  if (const auto* n = t.get("insecure_skip_verify")) {
    if (auto b = boolean(r, *n, joinPath(path, "insecure_skip_verify"))) s.insecureSkipVerify = *b;
  }
  if (const auto* n = t.get("server_name")) {
    if (auto v = r.string(*n, joinPath(path, "server_name"))) s.serverName = std::move(*v);
  }
  if (const auto* n = t.get("ca_file")) {
    std::string where = joinPath(path, "ca_file");
    if (auto v = r.string(*n, where)) {
      if (!v->empty()) {
        if (std::string why = checkCaFile(*v); !why.empty()) r.error(*n, where + ": " + why);
      }
      s.caFile = std::move(*v);
    }
  }
  // TLS settings on a plain server would be silently ignored: say so.
  if (!s.tls) {
    for (std::string_view k : {"ca_file", "server_name", "insecure_skip_verify"}) {
      if (const auto* n = t.get(k)) {
        r.error(*n, joinPath(path, k) + ": only meaningful with tls = true");
      }
    }
  }
}

}  // namespace wsedge::config::detail
