#pragma once
// An ordered list of HTTP header fields with case-insensitive lookup.
// Order and the original spelling of names are kept so a forwarded request
// looks like the one received.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsedge::http {

struct Header {
  std::string name;
  std::string value;  // leading/trailing whitespace removed
};

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// True when the comma-separated list `value` contains `token` (case-insensitive,
/// whitespace around items ignored), e.g. Connection: keep-alive, Upgrade.
bool headerHasToken(std::string_view value, std::string_view token);

class HeaderMap {
 public:
  void add(std::string name, std::string value);
  /// First value of `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  /// All values of `name`, in order.
  std::vector<std::string_view> getAll(std::string_view name) const;
  /// Removes every field called `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  void set(std::string name, std::string value);  // remove + add

  const std::vector<Header>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  void clear() { fields_.clear(); }

 private:
  std::vector<Header> fields_;
};

}  // namespace wsedge::http
