#pragma once
// Incremental, strict HTTP/1.1 request-head parser (RFC 9112). Pure: bytes in,
// result out, no I/O. Limits are built in: the request line may be at most
// `maxRequestLine` bytes (else 414) and the whole head at most `maxHead` bytes
// (else 431). Rejects (400): bad syntax in the request line or a field, bare CR,
// NUL, obsolete line folding, whitespace before the colon, a version other than
// HTTP/1.x, several Host headers (or none, for HTTP/1.1), Content-Length together
// with Transfer-Encoding, several differing Content-Length values.
#include <cstddef>
#include <string>
#include <string_view>

#include "wsedge/core/result.h"
#include "wsedge/http/headers.h"

namespace wsedge::http {

struct Request {
  std::string method;
  std::string target;  // origin-form as received, e.g. "/chat?room=1"
  int versionMajor = 1;
  int versionMinor = 1;
  HeaderMap headers;

  /// target without the query string.
  std::string_view path() const;
  /// target's query string without '?', or empty.
  std::string_view query() const;
};

class RequestParser {
 public:
  explicit RequestParser(std::size_t maxHead, std::size_t maxRequestLine = 8192);

  /// Feeds the next bytes. Returns consumed = how many bytes of `bytes` belong
  /// to the head. On Done the head is complete and the bytes after `consumed`
  /// belong to whatever follows (they are never part of the head). On Error,
  /// code is the HTTP status to answer with (400, 414, 431). After Done or
  /// Error, further feeds return the same status and consume nothing.
  core::FeedResult feed(std::string_view bytes);

  const Request& request() const { return request_; }
  Request& request() { return request_; }
  /// A short, log-safe description of the last error (no request bytes).
  std::string_view errorReason() const { return errorReason_; }
  void reset();

 private:
  enum class State { RequestLine, HeaderLine, Done, Error };
  core::FeedResult fail(std::size_t consumed, int code, std::string_view why);
  bool parseRequestLine(std::string_view line);
  bool parseHeaderLine(std::string_view line);
  bool finishHead();

  std::size_t maxHead_;
  std::size_t maxRequestLine_;
  std::size_t total_ = 0;
  State state_ = State::RequestLine;
  std::string line_;  // the current, unfinished line
  Request request_;
  std::string errorReason_;
  int errorCode_ = 0;
};

}  // namespace wsedge::http
