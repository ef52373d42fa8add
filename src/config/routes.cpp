// [[routes]]: which pool serves a request, by Host and path prefix.
#include <algorithm>
#include <cctype>

#include "reader.h"
#include "values.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {
namespace {

bool isHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/// A Host header value to match, lower-cased: a name, an IPv4 literal or a
/// bracketed IPv6 literal, never with a port (routes match any port).
void readHost(Reader& r, const toml::node& n, const std::string& path, Route& out) {
  auto s = r.string(n, path);
  if (!s) return;
  std::string host = *s;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (host.empty()) {
    r.error(n, path + ": must not be empty (leave the key out to match any host)");
    return;
  }
  if (!bracketed && host.find(':') != std::string::npos) {
    r.error(n, path + ": \"" + *s + "\" must not contain a port (routes match any port)");
    return;
  }
  if (bracketed && !hostPortFromString(host + ":1", false)) {
    r.error(n, path + ": \"" + *s + "\" is not a valid IPv6 address");
    return;
  }
  if (!bracketed && !std::all_of(host.begin(), host.end(), isHostChar)) {
    r.error(n, path + ": \"" + *s + "\" is not a valid host name");
    return;
  }
  out.host = std::move(host);
}

void readPoolRef(Reader& r, const toml::node& n, const std::string& path,
                 const std::vector<Pool>& pools, Route& out) {
  auto s = r.string(n, path);
  if (!s) return;
  out.pool = *s;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    if (pools[i].name == *s) {
      out.poolIndex = i;
      return;
    }
  }
  std::string known;
  for (const auto& p : pools) {
    if (!p.name.empty()) known += (known.empty() ? "" : ", ") + p.name;
  }
  r.error(n, path + ": no pool named \"" + *s + "\"" +
                 (known.empty() ? std::string(" (no pools are defined)")
                                : " (defined pools: " + known + ")"));
}

/// allowed_origins, require_origin and auth, kept as written: the patterns
/// are checked by the policy module, the auth name by resolveRouteAuth.
void readRoutePolicy(Reader& r, const toml::table& t, const std::string& path, Route& route) {
  route.requireOrigin = defaults::kRequireOrigin;
  if (const auto* n = t.get("allowed_origins")) {
    std::string where = joinPath(path, "allowed_origins");
    if (const auto* arr = n->as_array()) {
      std::vector<std::string> patterns;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        if (auto s = r.string(e, indexPath(where, i))) {
          patterns.push_back(*s);
          route.allowedOriginPlaces.push_back({static_cast<int>(e.source().begin.line),
                                               static_cast<int>(e.source().begin.column)});
        }
      }
      route.allowedOrigins = std::move(patterns);
    } else {
      r.error(*n, where + ": expected an array of origins, e.g. [\"https://app.example.com\"]");
    }
  }
  if (const auto* n = t.get("require_origin")) {
    if (const auto* b = n->as_boolean()) {
      route.requireOrigin = b->get();
    } else {
      r.error(*n, joinPath(path, "require_origin") + ": expected true or false");
    }
  }
  if (const auto* n = t.get("auth")) {
    if (auto s = r.string(*n, joinPath(path, "auth"))) {
      route.auth = *s;
      route.authPlace = {static_cast<int>(n->source().begin.line),
                         static_cast<int>(n->source().begin.column)};
    }
  }
}

}  // namespace

void readRoutes(Reader& r, const toml::table& doc, const std::vector<Pool>& pools,
                std::vector<Route>& out) {
  if (doc.get("routes") == nullptr) {
    r.error("no [[routes]] defined: at least one is required");
    return;
  }
  if (const auto* arr = doc.get("routes")->as_array(); arr != nullptr && arr->empty()) {
    r.error(*arr, "routes: at least one is required");
  }
  auto tables = r.tables(doc, "routes", "");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const toml::table& t = *tables[i];
    std::string path = indexPath("routes", i);
    r.rejectUnknownKeys(t, path,
                        {"host", "path_prefix", "pool", "allowed_origins", "require_origin", "auth"},
                        {});
    Route route;
    route.pathPrefix = std::string(defaults::kPathPrefix);
    if (const auto* n = t.get("host")) readHost(r, *n, joinPath(path, "host"), route);
    if (const auto* n = t.get("path_prefix")) {
      if (auto s = r.string(*n, joinPath(path, "path_prefix"))) {
        if (s->empty() || s->front() != '/') {
          r.error(*n, joinPath(path, "path_prefix") + ": must start with '/', got \"" + *s + "\"");
        } else {
          route.pathPrefix = *s;
        }
      }
    }
    if (const auto* n = r.required(t, "pool", path)) {
      readPoolRef(r, *n, joinPath(path, "pool"), pools, route);
    }
    readRoutePolicy(r, t, path, route);
    out.push_back(std::move(route));
  }
}

}  // namespace wsedge::config::detail
