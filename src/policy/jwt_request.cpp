#include "wsedge/policy/jwt_request.h"

#include <algorithm>
#include <vector>

#include "wsedge/http/headers.h"

namespace wsedge::policy {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits on `sep`, trimming each item; empty items are kept out.
std::vector<std::string_view> splitList(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto p = s.find(sep);
    const auto item = trim(s.substr(0, p));
    if (!item.empty()) out.push_back(item);
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hexValue(s[i + 1]);
    const int lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::string> fromHeader(const http::Request& req, const std::string& name) {
  auto v = req.headers.get(name);
  if (!v) return std::nullopt;
  std::string_view value = trim(*v);
  const bool bearer = value.size() > 7 && http::iequals(value.substr(0, 6), "Bearer") &&
                      (value[6] == ' ' || value[6] == '\t');
  if (bearer) {
    value = trim(value.substr(7));
  } else if (http::iequals(name, "Authorization")) {
    return std::nullopt;  // Basic or another scheme: not ours
  }
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> fromQuery(const http::Request& req, const std::string& name) {
  for (auto param : splitList(req.query(), '&')) {
    const auto eq = param.find('=');
    if (param.substr(0, eq) != name || eq == std::string_view::npos) continue;
    auto v = percentDecode(param.substr(eq + 1));
    if (!v || v->empty()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<std::string> fromCookie(const http::Request& req, const std::string& name) {
  for (auto header : req.headers.getAll("Cookie")) {
    for (auto pair : splitList(header, ';')) {
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
      std::string_view v = trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (v.empty()) return std::nullopt;
      return std::string(v);
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> offeredSubprotocols(const http::Request& req) {
  std::vector<std::string_view> all;
  for (auto h : req.headers.getAll("Sec-WebSocket-Protocol")) {
    for (auto item : splitList(h, ',')) all.push_back(item);
  }
  return all;
}

std::optional<std::string> fromSubprotocol(const http::Request& req) {
  const auto offered = offeredSubprotocols(req);
  for (std::size_t i = 0; i + 1 < offered.size(); ++i) {
    if (offered[i] == kBearerSubprotocol) return std::string(offered[i + 1]);
  }
  return std::nullopt;
}

bool safeHeaderValue(std::string_view v) {
  return std::none_of(v.begin(), v.end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

}  // namespace

std::optional<ExtractedToken> extractToken(const http::Request& req,
                                           const std::vector<TokenSource>& sources) {
  for (const auto& src : sources) {
    std::optional<std::string> token;
    switch (src.kind) {
      case TokenSource::Kind::Header:
        token = fromHeader(req, src.name);
        break;
      case TokenSource::Kind::Query:
        token = fromQuery(req, src.name);
        break;
      case TokenSource::Kind::Cookie:
        token = fromCookie(req, src.name);
        break;
      case TokenSource::Kind::Subprotocol:
        token = fromSubprotocol(req);
        break;
    }
    if (token) return ExtractedToken{std::move(*token), src};
  }
  return std::nullopt;
}

std::string removeQueryParam(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q));
  std::string query;
  std::string_view rest = target.substr(q + 1);
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    const std::string_view key = param.substr(0, param.find('='));
    if (!param.empty() && key != name) {
      if (!query.empty()) query.push_back('&');
      query.append(param);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (!query.empty()) out += "?" + query;
  return out;
}

void stripToken(http::Request& req, const ExtractedToken& extracted) {
  if (extracted.source.kind == TokenSource::Kind::Query) {
    req.target = removeQueryParam(req.target, extracted.source.name);
    return;
  }
  if (extracted.source.kind != TokenSource::Kind::Subprotocol) return;
  const auto offered = offeredSubprotocols(req);
  std::string kept;
  bool removed = false;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    if (!removed && i + 1 < offered.size() && offered[i] == kBearerSubprotocol) {
      removed = true;
      ++i;  // the token after "bearer"
      continue;
    }
    if (!kept.empty()) kept += ", ";
    kept.append(offered[i]);
  }
  req.headers.remove("Sec-WebSocket-Protocol");
  if (!kept.empty()) req.headers.add("Sec-WebSocket-Protocol", std::move(kept));
}

void applyForwardClaims(http::Request& req, const JwtConfig& config, const nlohmann::json* claims) {
  for (const auto& [claim, header] : config.forwardClaims) req.headers.remove(header);
  if (claims == nullptr || !claims->is_object()) return;
  for (const auto& [claim, header] : config.forwardClaims) {
    auto it = claims->find(claim);
    if (it == claims->end() || it->is_null()) continue;
    std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (!safeHeaderValue(value)) continue;
    req.headers.add(header, std::move(value));
  }
}

void completeBearerSubprotocol(http::Response& resp) {
  if (resp.status != 101 || resp.headers.get("Sec-WebSocket-Protocol")) return;
  resp.headers.add("Sec-WebSocket-Protocol", std::string(kBearerSubprotocol));
}

}  // namespace wsedge::policy
