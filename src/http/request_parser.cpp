#include "wsedge/http/request_parser.h"

#include "syntax.h"

namespace wsedge::http {

std::string_view Request::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t(target);
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

RequestParser::RequestParser(std::size_t maxHead, std::size_t maxRequestLine)
    : maxHead_(maxHead), maxRequestLine_(maxRequestLine) {}

void RequestParser::reset() {
  total_ = 0;
  state_ = State::RequestLine;
  line_.clear();
  request_ = Request{};
  errorReason_.clear();
  errorCode_ = 0;
}

core::FeedResult RequestParser::fail(std::size_t consumed, int code, std::string_view why) {
  state_ = State::Error;
  errorCode_ = code;
  // An empty `why` keeps the reason a parse step already stored.
  if (!why.empty()) errorReason_ = why;
  line_.clear();
  line_.shrink_to_fit();
  return core::FeedResult::error(consumed, code);
}

// Bytes are taken one at a time so that every error is detected at the same
// stream position whatever the split of the input: the limits trip on the
// first byte past them, syntax errors on the LF that ends the faulty line.
// A head is at most a few KiB and parsed once per connection.
core::FeedResult RequestParser::feed(std::string_view bytes) {
  if (state_ == State::Done) return core::FeedResult::done(0);
  if (state_ == State::Error) return core::FeedResult::error(0, errorCode_);

  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    ++total_;
    line_.push_back(c);
    const bool inRequestLine = state_ == State::RequestLine;
    if (inRequestLine && c != '\n') {
      // The limit is on the line without its CRLF; a CR right at the limit may
      // still be the start of the line ending.
      const std::size_t n = line_.size();
      if (n > maxRequestLine_ + 1 || (n == maxRequestLine_ + 1 && c != '\r')) {
        return fail(i + 1, 414, "request_line_too_long");
      }
    }
    if (total_ > maxHead_) {
      return inRequestLine ? fail(i + 1, 414, "request_line_too_long")
                           : fail(i + 1, 431, "head_too_large");
    }
    if (c != '\n') continue;

    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return fail(i + 1, 400, "bare_lf");
    const std::string_view line(line_.data(), line_.size() - 2);
    if (inRequestLine) {
      // RFC 9112 §2.2: ignore empty lines before the request line (they still
      // count toward the head limit, so this cannot loop forever).
      if (!line.empty()) {
        if (!parseRequestLine(line)) return fail(i + 1, 400, {});
        state_ = State::HeaderLine;
      }
    } else if (line.empty()) {
      if (!finishHead()) return fail(i + 1, 400, {});
      state_ = State::Done;
      line_.clear();
      line_.shrink_to_fit();
      return core::FeedResult::done(i + 1);
    } else if (!parseHeaderLine(line)) {
      return fail(i + 1, 400, {});
    }
    line_.clear();
  }
  return core::FeedResult::needMore(bytes.size());
}

bool RequestParser::parseRequestLine(std::string_view line) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    errorReason_ = "bad_request_line";
    return false;
  }
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    errorReason_ = "bad_request_line";
    return false;
  }
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!syntax::isToken(method)) {
    errorReason_ = "bad_method";
    return false;
  }
  // Origin-form only: a reverse proxy is not asked for absolute-form, and
  // "*" only goes with OPTIONS. Non-ASCII must arrive percent-encoded, and a
  // fragment is never part of a request target.
  if (target.empty() || target.front() != '/') {
    errorReason_ = "bad_target";
    return false;
  }
  for (char ch : target) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u >= 0x7f || ch == '#') {
      errorReason_ = "bad_target";
      return false;
    }
  }
  int major = 0;
  int minor = 0;
  if (!syntax::parseVersion(version, major, minor) || major != 1) {
    errorReason_ = "bad_version";
    return false;
  }
  request_.method.assign(method);
  request_.target.assign(target);
  request_.versionMajor = major;
  request_.versionMinor = minor;
  return true;
}

bool RequestParser::parseHeaderLine(std::string_view line) {
  if (const char* why = syntax::parseFieldLine(line, request_.headers)) {
    errorReason_ = why;
    return false;
  }
  return true;
}

namespace {

// uri-host [":" port] characters (RFC 3986 reg-name, IP literals, port). The
// host is used for routing and forwarded, so anything else is refused early.
bool validHost(std::string_view host) {
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (u != 0 && std::string_view("-._~!$&'()*+,;=:[]%").find(c) != std::string_view::npos);
    if (!ok) return false;
  }
  return true;
}

// Content-Length may repeat only with identical values (RFC 9112 §6.3 item 5);
// each field may itself be a list of identical values.
bool validContentLength(const HeaderMap& headers) {
  std::string_view first;
  for (auto value : headers.getAll("Content-Length")) {
    while (true) {
      auto comma = value.find(',');
      auto item = syntax::trimOws(value.substr(0, comma));
      if (item.empty() || item.size() > 18) return false;
      for (char c : item) {
        if (c < '0' || c > '9') return false;
      }
      if (first.empty()) first = item;
      if (item != first) return false;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return true;
}

// The last transfer coding of a request must be chunked (RFC 9112 §6.3 item 4).
bool validTransferEncoding(const HeaderMap& headers) {
  auto all = headers.getAll("Transfer-Encoding");
  if (all.empty()) return true;
  std::string_view last = all.back();
  auto comma = last.rfind(',');
  if (comma != std::string_view::npos) last = last.substr(comma + 1);
  return iequals(syntax::trimOws(last), "chunked");
}

}  // namespace

bool RequestParser::finishHead() {
  const auto& h = request_.headers;
  const auto hosts = h.count("Host");
  if (hosts > 1) {
    errorReason_ = "duplicate_host";
    return false;
  }
  if (hosts == 0 && request_.versionMinor >= 1) {
    errorReason_ = "missing_host";
    return false;
  }
  if (hosts == 1 && !validHost(*h.get("Host"))) {
    errorReason_ = "bad_host";
    return false;
  }
  const bool hasCl = h.count("Content-Length") > 0;
  const bool hasTe = h.count("Transfer-Encoding") > 0;
  // Both at once is the request-smuggling pattern (RFC 9112 §6.1): refuse.
  if (hasCl && hasTe) {
    errorReason_ = "content_length_and_transfer_encoding";
    return false;
  }
  if (hasCl && !validContentLength(h)) {
    errorReason_ = "bad_content_length";
    return false;
  }
  if (hasTe && (request_.versionMinor == 0 || !validTransferEncoding(h))) {
    errorReason_ = "bad_transfer_encoding";
    return false;
  }
  return true;
}

}  // namespace wsedge::http
