// [auth.NAME]: how a route's clients prove who they are (type = "jwt"). The
// values are kept as written, with the place of every key, because loading the
// keys and checking the algorithms is the policy module's job and the config
// module cannot depend on it (the server reports those errors at these places).
#include "reader.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {
namespace {

Place placeOf(const toml::node& n) {
  return {static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column)};
}

/// A string, or an array of strings (`allowSingle`: a lone string is a list of one).
std::optional<std::vector<std::string>> strings(Reader& r, const toml::node& n,
                                                const std::string& path, bool allowSingle) {
  if (allowSingle && n.is_string()) return std::vector<std::string>{n.as_string()->get()};
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    r.error(n, path + (allowSingle ? ": expected a string or an array of strings"
                                   : ": expected an array of strings"));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    if (auto s = r.string(*arr->get(i), indexPath(path, i))) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

void readForwardClaims(Reader& r, const toml::node& n, const std::string& path, Auth& a) {
  const auto* t = n.as_table();
  if (t == nullptr) {
    r.error(n, path + ": expected a table of claim = \"Header-Name\", e.g. { sub = \"X-User-Id\" }");
    return;
  }
  for (const auto& [key, value] : *t) {
    if (auto s = r.string(value, joinPath(path, key.str()))) {
      a.forwardClaims.emplace_back(std::string(key.str()), *s);
    }
  }
}

void readOne(Reader& r, const toml::table& t, const std::string& path, Auth& a) {
  r.rejectUnknownKeys(t, path,
                      {"type", "algorithms", "secret", "secret_file", "jwks_file",
                       "public_key_file", "issuer", "audience", "leeway", "token_from",
                       "forward_claims", "close_on_expiry"},
                      {});
  for (const auto& [key, value] : t) a.keyPlaces.emplace_back(std::string(key.str()), placeOf(value));
  if (const auto* n = r.required(t, "type", path)) {
    if (auto s = r.string(*n, joinPath(path, "type")); s && *s != defaults::kAuthType) {
      r.error(*n, joinPath(path, "type") + ": \"" + *s + "\" is not supported (only \"jwt\")");
    }
  }
  if (const auto* n = r.required(t, "algorithms", path)) {
    if (auto v = strings(r, *n, joinPath(path, "algorithms"), false)) a.algorithms = *v;
  }
  auto text = [&](std::string_view key, std::string& field) {
    if (const auto* n = t.get(key)) {
      if (auto s = r.string(*n, joinPath(path, key))) field = *s;
    }
  };
  text("secret", a.secret);
  text("secret_file", a.secretFile);
  text("jwks_file", a.jwksFile);
  text("public_key_file", a.publicKeyFile);
  text("issuer", a.issuer);
  if (const auto* n = t.get("audience")) {
    if (auto v = strings(r, *n, joinPath(path, "audience"), true)) a.audience = *v;
  }
  a.leeway = defaults::kLeeway;
  if (const auto* n = t.get("leeway")) {
    if (auto d = r.duration(*n, joinPath(path, "leeway"))) a.leeway = *d;
  }
  a.tokenFrom = {std::string(defaults::kTokenFrom)};
  if (const auto* n = t.get("token_from")) {
    if (auto v = strings(r, *n, joinPath(path, "token_from"), false)) a.tokenFrom = *v;
  }
  if (const auto* n = t.get("forward_claims")) {
    readForwardClaims(r, *n, joinPath(path, "forward_claims"), a);
  }
  a.closeOnExpiry = defaults::kCloseOnExpiry;
  if (const auto* n = t.get("close_on_expiry")) {
    if (const auto* b = n->as_boolean()) {
      a.closeOnExpiry = b->get();
    } else {
      r.error(*n, joinPath(path, "close_on_expiry") + ": expected true or false");
    }
  }
}

}  // namespace

void readAuth(Reader& r, const toml::table& doc, std::vector<Auth>& out) {
  const toml::table* all = r.table(doc, "auth", "");
  if (all == nullptr) return;
  for (const auto& [key, value] : *all) {
    std::string path = joinPath("auth", key.str());
    const auto* t = value.as_table();
    if (t == nullptr) {
      r.error(value, path + ": expected a table ([" + path + "])");
      continue;
    }
    Auth a;
    a.name = std::string(key.str());
    a.place = {static_cast<int>(key.source().begin.line),
               static_cast<int>(key.source().begin.column)};
    readOne(r, *t, path, a);
    out.push_back(std::move(a));
  }
}

void resolveRouteAuth(Reader& r, const std::vector<Auth>& auth, std::vector<Route>& routes) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    Route& route = routes[i];
    if (!route.auth) continue;
    bool found = false;
    for (std::size_t j = 0; j < auth.size() && !found; ++j) {
      if (auth[j].name == *route.auth) {
        route.authIndex = j;
        found = true;
      }
    }
    if (found) continue;
    std::string known;
    for (const auto& a : auth) known += (known.empty() ? "" : ", ") + a.name;
    r.error(toml::source_region{{static_cast<toml::source_index>(route.authPlace.line),
                                 static_cast<toml::source_index>(route.authPlace.column)},
                                {},
                                nullptr},
            joinPath(indexPath("routes", i), "auth") + ": no [auth." + *route.auth + "] table" +
                (known.empty() ? std::string(" (none is defined)") : " (defined: " + known + ")"));
  }
}

}  // namespace wsedge::config::detail
