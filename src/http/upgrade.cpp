#include "wsedge/http/upgrade.h"

#include <openssl/evp.h>

#include "syntax.h"

namespace wsedge::http {

namespace {

constexpr std::string_view kWsGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// 16 bytes encode to exactly 22 base64 characters and "==". The unused low
// bits of the last character are not checked: a decoder ignores them too.
bool isWebSocketKey(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i) {
    if (!isBase64Char(key[i])) return false;
  }
  return true;
}

bool anyHasToken(const HeaderMap& headers, std::string_view name, std::string_view token) {
  for (auto v : headers.getAll(name)) {
    if (headerHasToken(v, token)) return true;
  }
  return false;
}

UpgradeCheck reject(int status, std::string_view reason) { return UpgradeCheck{status, reason}; }

}  // namespace

// The order decides the answer when several things are wrong: a request that
// does not ask for an upgrade at all is a plain HTTP request (426); a client
// speaking another protocol version learns the one we speak (426) before we
// look at its key; everything else malformed is a bad request (400).
UpgradeCheck validateUpgrade(const Request& req) {
  const auto& h = req.headers;
  if (h.count("Upgrade") == 0) return reject(426, "not_upgrade");
  if (req.method != "GET") return reject(400, "not_get");
  if (req.versionMajor != 1 || req.versionMinor < 1) return reject(400, "http_version");
  if (!anyHasToken(h, "Upgrade", "websocket")) return reject(400, "upgrade_not_websocket");
  if (!anyHasToken(h, "Connection", "upgrade")) return reject(400, "connection");

  auto versions = h.getAll("Sec-WebSocket-Version");
  if (versions.empty()) return reject(400, "missing_version");
  if (versions.size() > 1) return reject(400, "bad_version");
  const auto version = versions.front();
  if (version.empty() || version.size() > 3) return reject(400, "bad_version");
  for (char c : version) {
    if (c < '0' || c > '9') return reject(400, "bad_version");
  }
  if (version != "13") return reject(426, "version");

  auto keys = h.getAll("Sec-WebSocket-Key");
  if (keys.size() != 1 || !isWebSocketKey(keys.front())) return reject(400, "bad_key");
  return UpgradeCheck{};
}

std::string computeAccept(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kWsGuid.size());
  input.append(key).append(kWsGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestLen = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digestLen, EVP_sha1(), nullptr) != 1) {
    return {};  // only on allocation failure inside OpenSSL; never matches a real accept
  }
  // EVP_EncodeBlock writes 4 chars per 3 bytes plus a NUL.
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, static_cast<int>(digestLen));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool validateUpgradeResponse(const Response& resp, std::string_view clientKey) {
  if (resp.status != 101) return false;
  const auto& h = resp.headers;
  if (!anyHasToken(h, "Upgrade", "websocket")) return false;
  if (!anyHasToken(h, "Connection", "upgrade")) return false;
  auto accepts = h.getAll("Sec-WebSocket-Accept");
  return accepts.size() == 1 && accepts.front() == computeAccept(clientKey);
}

}  // namespace wsedge::http
