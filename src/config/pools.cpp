// [[pools]] and their [[pools.servers]]: the backends routes send clients to.
#include <map>

#include "reader.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {
namespace {

using NameLines = std::map<std::string, int, std::less<>>;

/// Reads the required, non-empty, unique `name` of the table at `path`.
std::string readName(Reader& r, const toml::table& t, std::string_view path, std::string_view what,
                     NameLines& seen) {
  const auto* n = r.required(t, "name", path);
  if (n == nullptr) return {};
  std::string where = joinPath(path, "name");
  auto s = r.string(*n, where);
  if (!s) return {};
  if (s->empty()) {
    r.error(*n, where + ": must not be empty");
    return {};
  }
  int line = static_cast<int>(n->source().begin.line);
  if (auto [it, fresh] = seen.emplace(*s, line); !fresh) {
    r.error(*n, where + ": duplicate " + std::string(what) + " name \"" + *s +
                    "\" (first defined at line " + std::to_string(it->second) + ")");
  }
  return *s;
}

Server readServer(Reader& r, const toml::table& t, const std::string& path, NameLines& names) {
  r.rejectUnknownKeys(t, path,
                      {"name", "address", "weight", "tls", "ca_file", "server_name",
                       "insecure_skip_verify"},
                      {});
  Server s;
  s.weight = defaults::kWeight;
  s.name = readName(r, t, path, "server", names);
  if (const auto* n = r.required(t, "address", path)) {
    if (auto hp = r.hostPort(*n, joinPath(path, "address"), true)) s.address = std::move(*hp);
  }
  if (const auto* n = t.get("weight")) {
    if (auto w =
            r.integer(*n, joinPath(path, "weight"), defaults::kMinWeight, defaults::kMaxWeight)) {
      s.weight = static_cast<unsigned>(*w);
    }
  }
  readServerTls(r, t, path, s);
  return s;
}

void readBalance(Reader& r, const toml::node& n, const std::string& path, BalanceKind& out) {
  auto text = r.string(n, path);
  if (!text) return;
  if (*text == "round_robin") {
    out = BalanceKind::RoundRobin;
  } else if (*text == "least_conn") {
    out = BalanceKind::LeastConn;
  } else if (*text == "hash") {
    r.error(n, path +
                   ": \"hash\" is not supported yet (a later feature); use round_robin or "
                   "least_conn");
  } else {
    r.error(n, path + ": \"" + *text + "\" is not one of round_robin | least_conn");
  }
}

Pool readPool(Reader& r, const toml::table& t, const std::string& path, NameLines& names) {
  r.rejectUnknownKeys(t, path, {"name", "balance", "servers"},
                      {"hash_key", "sticky_cookie", "hash_balance_factor", "health_check"});
  Pool p;
  p.balance = defaults::kBalance;
  p.name = readName(r, t, path, "pool", names);
  if (const auto* n = t.get("balance")) readBalance(r, *n, joinPath(path, "balance"), p.balance);
  const auto* serversNode = t.get("servers");
  auto servers = r.tables(t, "servers", path);
  NameLines serverNames;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    p.servers.push_back(
        readServer(r, *servers[i], indexPath(joinPath(path, "servers"), i), serverNames));
  }
  if (serversNode == nullptr) {
    r.error(t,
            path + ": pool \"" + p.name + "\" has no servers: add at least one [[pools.servers]]");
  } else if (serversNode->is_array() && serversNode->as_array()->empty()) {
    r.error(*serversNode, joinPath(path, "servers") + ": pool \"" + p.name +
                              "\" has no servers: add at least one");
  }
  return p;
}

}  // namespace

void readPools(Reader& r, const toml::table& doc, std::vector<Pool>& out) {
  if (doc.get("pools") == nullptr) {
    r.error("no [[pools]] defined: at least one is required");
    return;
  }
  if (const auto* arr = doc.get("pools")->as_array(); arr != nullptr && arr->empty()) {
    r.error(*arr, "pools: at least one is required");
  }
  auto tables = r.tables(doc, "pools", "");
  NameLines names;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    out.push_back(readPool(r, *tables[i], indexPath("pools", i), names));
  }
}

}  // namespace wsedge::config::detail
