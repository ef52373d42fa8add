#include "wsedge/http/upgrade.h"

#include <array>

#include "syntax.h"

namespace wsedge::http {

namespace {

// Headers the proxy writes may carry values it did not parse itself (claims
// from a token, configured names). A CR or LF there would let the value start
// a header of its own, so such a field is dropped instead of written.
bool safeToWrite(const Header& f) {
  if (!syntax::isToken(f.name)) return false;
  for (char c : f.value) {
    if (!syntax::isFieldValueChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void appendFields(std::string& out, const std::vector<Header>& fields) {
  for (const auto& f : fields) {
    if (!safeToWrite(f)) continue;
    out.append(f.name).append(": ").append(f.value).append("\r\n");
  }
}

void appendVersion(std::string& out, int major, int minor) {
  out.append("HTTP/").append(std::to_string(major)).append(".").append(std::to_string(minor));
}

}  // namespace

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
  }
  if (status >= 100 && status < 200) return "Informational";
  if (status >= 200 && status < 300) return "Success";
  if (status >= 300 && status < 400) return "Redirection";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

std::string buildErrorResponse(int status, const std::vector<Header>& extra) {
  const auto reason = reasonPhrase(status);
  std::string body = std::to_string(status);
  body.append(" ").append(reason).append("\n");

  std::string out;
  out.reserve(128 + body.size());
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reason).append("\r\n");
  out.append("Content-Type: text/plain\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("Connection: close\r\n");
  appendFields(out, extra);
  out.append("\r\n").append(body);
  return out;
}

std::string serializeRequestHead(const Request& req) {
  std::string out;
  out.reserve(256);
  out.append(req.method).append(" ").append(req.target).append(" ");
  appendVersion(out, req.versionMajor, req.versionMinor);
  out.append("\r\n");
  appendFields(out, req.headers.fields());
  out.append("\r\n");
  return out;
}

std::string serializeResponseHead(const Response& resp) {
  std::string out;
  out.reserve(256);
  appendVersion(out, resp.versionMajor, resp.versionMinor);
  out.append(" ").append(std::to_string(resp.status)).append(" ");
  out.append(resp.reason.empty() ? reasonPhrase(resp.status) : std::string_view(resp.reason));
  out.append("\r\n");
  appendFields(out, resp.headers.fields());
  out.append("\r\n");
  return out;
}

bool isHopByHop(std::string_view name, std::string_view connectionValue) {
  static constexpr std::array<std::string_view, 9> kHopByHop = {
      "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
      "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"};
  for (auto h : kHopByHop) {
    if (iequals(name, h)) return true;
  }
  return !name.empty() && headerHasToken(connectionValue, name);
}

}  // namespace wsedge::http
