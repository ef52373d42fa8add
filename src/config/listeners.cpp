// [[listeners]]: where wsedge accepts client connections.
#include <map>

#include "reader.h"
#include "wsedge/config/defaults.h"

namespace wsedge::config::detail {

void readListeners(Reader& r, const toml::table& doc, std::vector<Listener>& out) {
  if (doc.get("listeners") == nullptr) {
    r.error("no [[listeners]] defined: at least one is required");
    return;
  }
  auto tables = r.tables(doc, "listeners", "");
  std::map<std::string, int, std::less<>> nameLines;
  std::map<std::pair<std::string, std::uint16_t>, int> addressLines;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const toml::table& t = *tables[i];
    std::string path = indexPath("listeners", i);
    r.rejectUnknownKeys(t, path, {"name", "address", "tls", "proxy_protocol"}, {});
    Listener l;
    l.proxyProtocol = defaults::kProxyProtocol;
    if (const auto* n = t.get("proxy_protocol")) {
      if (const auto* b = n->as_boolean()) {
        l.proxyProtocol = b->get();
      } else {
        r.error(*n, joinPath(path, "proxy_protocol") + ": expected true or false");
      }
    }
    if (const auto* n = r.required(t, "name", path)) {
      if (auto s = r.string(*n, joinPath(path, "name"))) {
        int line = static_cast<int>(n->source().begin.line);
        if (s->empty()) {
          r.error(*n, joinPath(path, "name") + ": must not be empty");
        } else if (auto [it, fresh] = nameLines.emplace(*s, line); !fresh) {
          r.error(*n, joinPath(path, "name") + ": duplicate listener name \"" + *s +
                          "\" (first defined at line " + std::to_string(it->second) + ")");
        }
        l.name = *s;
      }
    }
    if (const auto* n = r.required(t, "address", path)) {
      if (auto hp = r.hostPort(*n, joinPath(path, "address"), false)) {
        // Two listeners on one address would both bind with SO_REUSEPORT and
        // silently split the traffic between their settings.
        int line = static_cast<int>(n->source().begin.line);
        if (auto [it, fresh] = addressLines.emplace(std::pair(hp->host, hp->port), line); !fresh) {
          r.error(*n, joinPath(path, "address") + ": address \"" + hp->text +
                          "\" is already used by the listener at line " +
                          std::to_string(it->second));
        }
        l.address = std::move(*hp);
      }
    }
    readListenerTls(r, t, path, l.tls);
    out.push_back(std::move(l));
  }
  if (const auto* arr = doc.get("listeners")->as_array(); arr != nullptr && arr->empty()) {
    r.error(*arr, "listeners: at least one listener is required");
  }
}

}  // namespace wsedge::config::detail
