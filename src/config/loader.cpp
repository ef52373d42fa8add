// Entry points: TOML text -> validated Config snapshot, or every error found.
#include "wsedge/config/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reader.h"

namespace wsedge::config {
namespace {

/// Parses with toml++, which reports syntax errors by exception; the exception
/// stops here so no caller ever sees one.
std::optional<toml::table> parseToml(std::string_view text, const std::string& sourceName,
                                     detail::Reader& r) {
  try {
    return toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    r.error(e.source(), "TOML syntax error: " + std::string(e.description()));
  }
  return std::nullopt;
}

}  // namespace

LoadResult loadString(std::string_view text, const std::string& sourceName) {
  detail::Reader r(sourceName);
  LoadResult result;
  auto doc = parseToml(text, sourceName, r);
  if (!doc) {
    result.errors = r.takeErrors();
    return result;
  }
  auto cfg = std::make_shared<Config>();
  cfg->sourcePath = sourceName;
  r.rejectUnknownKeys(*doc, "",
                      {"global", "timeouts", "limits", "listeners", "routes", "pools", "auth"},
                      {"admin"});
  detail::readGlobal(r, *doc, cfg->global);
  detail::readTimeouts(r, *doc, cfg->timeouts);
  detail::readLimits(r, *doc, cfg->limits);
  detail::readListeners(r, *doc, cfg->listeners);
  detail::readPools(r, *doc, cfg->pools);
  detail::readRoutes(r, *doc, cfg->pools, cfg->routes);
  detail::readAuth(r, *doc, cfg->auth);
  detail::resolveRouteAuth(r, cfg->auth, cfg->routes);
  result.errors = r.takeErrors();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

LoadResult loadFile(const std::string& path) {
  // A directory opens fine and reads as empty, which would be reported as
  // "no listeners": say what is really wrong.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, "is a directory, not a configuration file"});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, std::string("cannot open: ") + std::strerror(errno)});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, std::string("cannot read: ") + std::strerror(errno)});
    return result;
  }
  return loadString(text.str(), path);
}

}  // namespace wsedge::config
