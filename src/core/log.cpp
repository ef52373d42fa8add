#include "wsedge/core/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace wsedge::core {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<int> g_format{static_cast<int>(LogFormat::Json)};

bool needsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void writeAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}
}  // namespace

void appendTimestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  out += buf;
}

void appendJsonEscaped(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
}

LineBuilder::LineBuilder(LogFormat format) : format_(format) {
  out_.reserve(256);
  if (format_ == LogFormat::Json) out_ += '{';
}

void LineBuilder::add(const LogField& f) {
  if (format_ == LogFormat::Json) {
    if (!first_) out_ += ',';
    out_ += '"';
    appendJsonEscaped(out_, f.key);
    out_ += "\":";
  } else {
    if (!first_) out_ += ' ';
    out_ += f.key;
    out_ += '=';
  }
  first_ = false;
  std::visit(
      [this](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          if (format_ == LogFormat::Json || needsQuoting(v)) {
            out_ += '"';
            appendJsonEscaped(out_, v);
            out_ += '"';
          } else {
            out_ += v;
          }
        } else if constexpr (std::is_same_v<V, bool>) {
          out_ += v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, double>) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.3f", v);
          out_ += buf;
        } else {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, v);
          out_.append(buf, r.ptr);
        }
      },
      f.value);
}

std::string LineBuilder::finish() {
  if (format_ == LogFormat::Json) out_ += '}';
  out_ += '\n';
  return std::move(out_);
}

namespace log {

void configure(LogLevel level, LogFormat fmt) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
  g_format.store(static_cast<int>(fmt), std::memory_order_relaxed);
}

LogFormat format() { return static_cast<LogFormat>(g_format.load(std::memory_order_relaxed)); }

bool enabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

std::string_view levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  LogFormat fmt = format();
  std::string ts;
  appendTimestamp(ts);
  LineBuilder b(fmt);
  b.add(LogField("time", std::string_view(ts)));
  b.add(LogField("level", levelName(level)));
  b.add(LogField("msg", msg));
  for (const auto& f : fields) b.add(f);
  writeAll(STDERR_FILENO, b.finish());
}

}  // namespace log
}  // namespace wsedge::core
