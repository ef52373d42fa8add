#include "syntax.h"

#include <cstring>

namespace wsedge::http::syntax {

bool isTchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool isFieldValueChar(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parseVersion(std::string_view s, int& major, int& minor) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 8 || s.substr(0, 5) != "HTTP/" || !digit(s[5]) || s[6] != '.' || !digit(s[7])) {
    return false;
  }
  major = s[5] - '0';
  minor = s[7] - '0';
  return true;
}

const char* parseFieldLine(std::string_view line, HeaderMap& headers) {
  // A line that starts with whitespace continues the previous one (obs-fold,
  // RFC 9112 §5.2); folding is a classic smuggling vector, so it is refused.
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) return "obs_fold";
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return "field_no_colon";
  auto name = line.substr(0, colon);
  if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) return "field_space_before_colon";
  if (!isToken(name)) return "field_bad_name";
  auto value = line.substr(colon + 1);
  for (char c : value) {
    if (!isFieldValueChar(static_cast<unsigned char>(c))) return "field_bad_value";
  }
  value = trimOws(value);
  headers.add(std::string(name), std::string(value));
  return nullptr;
}

}  // namespace wsedge::http::syntax
