#pragma once
// Loads and validates a TOML configuration with toml++. Every problem found is
// reported (not just the first), each with the file, line and column of the
// offending key or value. Unknown keys are errors.
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/config/config.h"

namespace wsedge::config {

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when not tied to a place in the file
  int column = 0;
  std::string message;

  /// "FILE:LINE:COL: message" (as `--check-config` prints it).
  std::string format() const;
};

struct LoadResult {
  ConfigPtr config;                 // null when errors is not empty
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty() && config != nullptr; }
};

/// Reads and validates `path`. Thread: main thread (start, reload).
LoadResult loadFile(const std::string& path);
/// Same, from text; `sourceName` is used in error messages. For tests.
LoadResult loadString(std::string_view text, const std::string& sourceName);

/// "250ms", "10s", "5m", "1h", "0" -> milliseconds. Empty optional when invalid.
std::optional<Millis> parseDuration(std::string_view s);
/// 1024, "64KiB", "1MiB", "1GiB", "512B" -> bytes. Empty optional when invalid.
std::optional<std::uint64_t> parseSize(std::string_view s);
/// "0.0.0.0:8080", "[::1]:8080", and for backends also "name:port".
std::optional<HostPort> parseHostPort(std::string_view s, bool allowName);

}  // namespace wsedge::config
