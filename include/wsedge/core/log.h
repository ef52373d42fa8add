#pragma once
// Structured logging: one line per event on stderr, JSON by default or
// "key=value" text for humans. Every line carries the context it was written
// from (worker, session, state) as ordinary fields. Thread-safe: each line is
// formatted on the caller's stack and written with one write(2).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace wsedge::core {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class LogFormat { Json, Text };

/// One key/value of a log line. Keys are static identifiers; values are copied
/// into the line when it is formatted.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  Value value;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  template <typename I, typename = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  LogField(std::string_view k, I v)
      : key(k),
        value(std::is_signed_v<I> ? Value(static_cast<std::int64_t>(v))
                                  : Value(static_cast<std::uint64_t>(v))) {}
};

/// Builds one line in the chosen format. Used by the logger and the access log.
class LineBuilder {
 public:
  explicit LineBuilder(LogFormat format);
  void add(const LogField& f);
  void add(std::initializer_list<LogField> fields) {
    for (const auto& f : fields) add(f);
  }
  /// The finished line, newline-terminated.
  std::string finish();

 private:
  LogFormat format_;
  std::string out_;
  bool first_ = true;
};

/// Appends the current UTC time as 2026-01-31T12:34:56.789Z.
void appendTimestamp(std::string& out);

/// Appends `s` to `out` as the inside of a JSON string (no quotes).
void appendJsonEscaped(std::string& out, std::string_view s);

/// The process logger. configure() may be called from the main thread at any
/// time (start, reload); the other functions from any thread.
namespace log {
void configure(LogLevel level, LogFormat format);
LogFormat format();
bool enabled(LogLevel level);
/// Writes `msg` with `fields` if `level` is enabled.
void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
inline void debug(std::string_view m, std::initializer_list<LogField> f = {}) { write(LogLevel::Debug, m, f); }
inline void info(std::string_view m, std::initializer_list<LogField> f = {}) { write(LogLevel::Info, m, f); }
inline void warn(std::string_view m, std::initializer_list<LogField> f = {}) { write(LogLevel::Warn, m, f); }
inline void error(std::string_view m, std::initializer_list<LogField> f = {}) { write(LogLevel::Error, m, f); }
std::string_view levelName(LogLevel level);
}  // namespace log

}  // namespace wsedge::core
