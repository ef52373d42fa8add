#pragma once
// Internal to the config module: typed, error-collecting access to a parsed
// TOML document. Every accessor reports a problem at the offending node and
// returns "nothing", so the section readers carry on and the operator sees all
// errors in one run. Not thread-safe; one Reader per load.
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/config/config.h"
#include "wsedge/config/loader.h"

namespace wsedge::config::detail {

/// "a.b" from "a" and "b"; just "b" at the top level. Paths name values in messages.
std::string joinPath(std::string_view base, std::string_view key);
/// "pools[2]" from "pools" and 2.
std::string indexPath(std::string_view base, std::size_t index);

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  /// Records an error at `where` (toml++ positions are 1-based).
  void error(const toml::source_region& where, std::string message);
  void error(const toml::node& where, std::string message) {
    error(where.source(), std::move(message));
  }
  /// Records an error that has no place in the file (e.g. a missing section).
  void error(std::string message);

  /// Reports every key of `t` that is neither in `allowed` nor in `later`
  /// (keys of features that are specified but not implemented yet get their
  /// own message, so nobody thinks they were silently applied).
  void rejectUnknownKeys(const toml::table& t, std::string_view path,
                         std::initializer_list<std::string_view> allowed,
                         std::initializer_list<std::string_view> later);

  /// The table at `t[key]`; null when absent, or wrong type (reported).
  const toml::table* table(const toml::table& t, std::string_view key, std::string_view path);
  /// The elements of the array of tables at `t[key]`; elements that are not
  /// tables are reported and skipped. Empty when absent or wrong.
  std::vector<const toml::table*> tables(const toml::table& t, std::string_view key,
                                         std::string_view path);
  /// The node at `t[key]`, reporting it as missing (at the table) when absent.
  const toml::node* required(const toml::table& t, std::string_view key, std::string_view path);

  /// The string value of `n`, or nothing (wrong type reported).
  std::optional<std::string> string(const toml::node& n, std::string_view path);
  /// The integer value of `n` within [min, max], or nothing (reported).
  std::optional<std::int64_t> integer(const toml::node& n, std::string_view path, std::int64_t min,
                                      std::int64_t max);
  /// A duration: a string with a unit; a bare TOML number gets a hint.
  std::optional<Millis> duration(const toml::node& n, std::string_view path);
  /// A size: an integer number of bytes or a string with a unit.
  std::optional<std::uint64_t> size(const toml::node& n, std::string_view path);
  /// An address "host:port" (see parseHostPort).
  std::optional<HostPort> hostPort(const toml::node& n, std::string_view path, bool allowName);
  /// One of `choices`; returns its index.
  std::optional<std::size_t> choice(const toml::node& n, std::string_view path,
                                    std::initializer_list<std::string_view> choices);

  const std::string& file() const { return file_; }
  /// The errors so far, sorted by place in the file (placeless ones last).
  std::vector<ConfigError> takeErrors();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

/// Section readers: each fills its part of `cfg` from `doc`, starting from
/// the defaults in wsedge/config/defaults.h, and reports into `r`.
void readGlobal(Reader& r, const toml::table& doc, Global& out);
void readTimeouts(Reader& r, const toml::table& doc, Timeouts& out);
void readLimits(Reader& r, const toml::table& doc, Limits& out);
void readListeners(Reader& r, const toml::table& doc, std::vector<Listener>& out);
/// [listeners.tls] of the listener table at `path`; `out` stays empty when absent.
void readListenerTls(Reader& r, const toml::table& listener, const std::string& path,
                     std::optional<ListenerTls>& out);
/// tls, ca_file, server_name, insecure_skip_verify of one [[pools.servers]].
void readServerTls(Reader& r, const toml::table& server, const std::string& path, Server& s);
void readPools(Reader& r, const toml::table& doc, std::vector<Pool>& out);
/// Runs after readPools: resolves every route's pool to an index of `pools`.
void readRoutes(Reader& r, const toml::table& doc, const std::vector<Pool>& pools,
                std::vector<Route>& out);
/// [auth.NAME] tables, kept as written (the policy module loads their keys).
void readAuth(Reader& r, const toml::table& doc, std::vector<Auth>& out);
/// Runs after readRoutes and readAuth: every route's auth must name a table.
void resolveRouteAuth(Reader& r, const std::vector<Auth>& auth, std::vector<Route>& routes);

}  // namespace wsedge::config::detail
