#pragma once
// Incremental HTTP/1.1 response-head parser, for the backend's answer to the
// upgrade request. Same conventions as RequestParser.
#include <cstddef>
#include <string>
#include <string_view>

#include "wsedge/core/result.h"
#include "wsedge/http/headers.h"

namespace wsedge::http {

struct Response {
  int versionMajor = 1;
  int versionMinor = 1;
  int status = 0;
  std::string reason;
  HeaderMap headers;
};

class ResponseParser {
 public:
  explicit ResponseParser(std::size_t maxHead);
  /// As RequestParser::feed. On Error, code is 502 (the backend sent garbage).
  core::FeedResult feed(std::string_view bytes);
  const Response& response() const { return response_; }
  Response& response() { return response_; }
  std::string_view errorReason() const { return errorReason_; }

 private:
  enum class State { StatusLine, HeaderLine, Done, Error };
  core::FeedResult fail(std::size_t consumed, std::string_view why);

  std::size_t maxHead_;
  std::size_t total_ = 0;
  State state_ = State::StatusLine;
  std::string line_;
  Response response_;
  std::string errorReason_;
};

}  // namespace wsedge::http
