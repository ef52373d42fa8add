#include "wsedge/proxy/forward.h"

#include <algorithm>

#include "wsedge/http/upgrade.h"
#include "wsedge/net/address.h"

namespace wsedge::proxy {

std::string normalizedHost(const http::Request& req) {
  auto h = req.headers.get("Host");
  if (!h) return {};
  std::string_view v = *h;
  if (!v.empty() && v.front() == '[') {
    auto end = v.find(']');
    v = end == std::string_view::npos ? v : v.substr(0, end + 1);
  } else if (auto colon = v.rfind(':'); colon != std::string_view::npos) {
    v = v.substr(0, colon);
  }
  std::string out(v);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int matchRoute(const config::Config& cfg, std::string_view host, std::string_view path) {
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    const auto& r = cfg.routes[i];
    if (r.host && *r.host != host) continue;
    if (path.substr(0, r.pathPrefix.size()) != r.pathPrefix) continue;
    return static_cast<int>(i);
  }
  return -1;
}

std::string buildForwardHead(const http::Request& req, const sockaddr* client, bool tls) {
  http::Request out;
  out.method = req.method;
  out.target = req.target;
  out.versionMajor = 1;
  out.versionMinor = 1;
  std::string connection;
  for (auto v : req.headers.getAll("Connection")) {
    if (!connection.empty()) connection += ", ";
    connection += v;
  }
  std::string ip = net::ipString(client);
  std::string xff;
  std::string forwarded;
  for (const auto& h : req.headers.fields()) {
    if (http::isHopByHop(h.name, connection)) continue;
    if (http::iequals(h.name, "X-Forwarded-For")) {
      xff += (xff.empty() ? "" : ", ") + h.value;
      continue;
    }
    if (http::iequals(h.name, "Forwarded")) {
      forwarded += (forwarded.empty() ? "" : ", ") + h.value;
      continue;
    }
    if (http::iequals(h.name, "X-Forwarded-Proto") || http::iequals(h.name, "X-Forwarded-Host")) {
      continue;
    }
    out.headers.add(h.name, h.value);
  }
  const char* proto = tls ? "https" : "http";
  out.headers.add("Connection", "Upgrade");
  out.headers.add("Upgrade", "websocket");
  out.headers.add("X-Forwarded-For", xff.empty() ? ip : xff + ", " + ip);
  out.headers.add("X-Forwarded-Proto", proto);
  auto host = req.headers.get("Host");
  if (host) out.headers.add("X-Forwarded-Host", std::string(*host));
  // RFC 7239: IPv6 addresses are quoted and bracketed.
  std::string node = client->sa_family == AF_INET6 ? "\"[" + ip + "]\"" : ip;
  std::string fwd = "for=" + node + ";proto=" + proto;
  if (host) fwd += ";host=\"" + std::string(*host) + "\"";
  out.headers.add("Forwarded", forwarded.empty() ? fwd : forwarded + ", " + fwd);
  return http::serializeRequestHead(out);
}

}  // namespace wsedge::proxy
