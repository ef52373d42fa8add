#include "reader.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "values.h"

namespace wsedge::config::detail {
namespace {

std::string_view typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

bool contains(std::initializer_list<std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string joinList(std::initializer_list<std::string_view> list) {
  std::string out;
  for (auto s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

/// "pools.servers" from "pools[2].servers": the header as written in TOML.
std::string withoutIndexes(std::string_view path) {
  std::string out;
  bool inIndex = false;
  for (char c : path) {
    if (c == '[') inIndex = true;
    if (!inIndex) out += c;
    if (c == ']') inIndex = false;
  }
  return out;
}

}  // namespace

std::string joinPath(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return std::string(base) + "." + std::string(key);
}

std::string indexPath(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

void Reader::error(const toml::source_region& where, std::string message) {
  errors_.push_back({file_, static_cast<int>(where.begin.line),
                     static_cast<int>(where.begin.column), std::move(message)});
}

void Reader::error(std::string message) { errors_.push_back({file_, 0, 0, std::move(message)}); }

void Reader::rejectUnknownKeys(const toml::table& t, std::string_view path,
                               std::initializer_list<std::string_view> allowed,
                               std::initializer_list<std::string_view> later) {
  for (const auto& [key, value] : t) {
    (void)value;
    std::string_view k = key.str();
    if (contains(allowed, k)) continue;
    std::string where = joinPath(path, k);
    if (contains(later, k)) {
      error(key.source(), where + ": not supported yet (a later feature); remove it");
    } else {
      error(key.source(), where + ": unknown key (allowed here: " + joinList(allowed) + ")");
    }
  }
}

const toml::table* Reader::table(const toml::table& t, std::string_view key,
                                 std::string_view path) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  if (const auto* tbl = n->as_table()) return tbl;
  error(*n, joinPath(path, key) + ": expected a table, got " + std::string(typeName(*n)));
  return nullptr;
}

std::vector<const toml::table*> Reader::tables(const toml::table& t, std::string_view key,
                                               std::string_view path) {
  std::vector<const toml::table*> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  std::string where = joinPath(path, key);
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    error(*n, where + ": expected an array of tables ([[" + withoutIndexes(where) + "]]), got " +
                  std::string(typeName(*n)));
    return out;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    if (const auto* tbl = e.as_table()) {
      out.push_back(tbl);
    } else {
      error(e, indexPath(where, i) + ": expected a table, got " + std::string(typeName(e)));
    }
  }
  return out;
}

const toml::node* Reader::required(const toml::table& t, std::string_view key,
                                   std::string_view path) {
  const toml::node* n = t.get(key);
  if (n == nullptr) error(t, std::string(path) + ": missing required key " + quoted(key));
  return n;
}

std::optional<std::string> Reader::string(const toml::node& n, std::string_view path) {
  if (const auto* s = n.as_string()) return s->get();
  error(n, std::string(path) + ": expected a string, got " + std::string(typeName(n)));
  return std::nullopt;
}

std::optional<std::int64_t> Reader::integer(const toml::node& n, std::string_view path,
                                            std::int64_t min, std::int64_t max) {
  const auto* i = n.as_integer();
  std::string range = max == std::numeric_limits<std::int64_t>::max()
                          ? "an integer >= " + std::to_string(min)
                          : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (i == nullptr) {
    error(n, std::string(path) + ": expected " + range + ", got " + std::string(typeName(n)));
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    error(n, std::string(path) + ": must be " + range + ", got " + std::to_string(i->get()));
    return std::nullopt;
  }
  return i->get();
}

std::optional<Millis> Reader::duration(const toml::node& n, std::string_view path) {
  if (const auto* i = n.as_integer()) {
    std::string v = std::to_string(i->get());
    error(n, std::string(path) + ": durations are strings with a unit (ms, s, m, h): write " +
                 quoted(v + "s") + " or " + quoted(v + "ms") + ", not the bare number " + v);
    return std::nullopt;
  }
  auto text = string(n, path);
  if (!text) return std::nullopt;
  auto d = durationFromString(*text);
  if (!d) {
    error(n, std::string(path) + ": bad duration " + quoted(*text) + ": " + d.error());
    return std::nullopt;
  }
  return d.value();
}

std::optional<std::uint64_t> Reader::size(const toml::node& n, std::string_view path) {
  if (const auto* i = n.as_integer()) {
    if (i->get() < 0) {
      error(n, std::string(path) + ": bad size " + std::to_string(i->get()) +
                   ": negative values are not allowed");
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(i->get());
  }
  if (!n.is_string()) {
    error(n, std::string(path) + ": expected a size (bytes, or a string such as \"64KiB\"), got " +
                 std::string(typeName(n)));
    return std::nullopt;
  }
  std::string text = n.as_string()->get();
  auto s = sizeFromString(text);
  if (!s) {
    error(n, std::string(path) + ": bad size " + quoted(text) + ": " + s.error());
    return std::nullopt;
  }
  return s.value();
}

std::optional<HostPort> Reader::hostPort(const toml::node& n, std::string_view path,
                                         bool allowName) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  auto hp = hostPortFromString(*text, allowName);
  if (!hp) {
    error(n, std::string(path) + ": bad address " + quoted(*text) + ": " + hp.error());
    return std::nullopt;
  }
  return std::move(hp).value();
}

std::optional<std::size_t> Reader::choice(const toml::node& n, std::string_view path,
                                          std::initializer_list<std::string_view> choices) {
  auto text = string(n, path);
  if (!text) return std::nullopt;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices.begin()[i] == *text) return i;
  }
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : " | ") + std::string(c);
  error(n, std::string(path) + ": " + quoted(*text) + " is not one of " + list);
  return std::nullopt;
}

std::vector<ConfigError> Reader::takeErrors() {
  // File order reads best; errors with no place (line 0) go last.
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    auto key = [](const ConfigError& e) { return std::tuple(e.line == 0, e.line, e.column); };
    return key(a) < key(b);
  });
  return std::move(errors_);
}

}  // namespace wsedge::config::detail
