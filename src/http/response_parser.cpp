#include "wsedge/http/response_parser.h"

#include "syntax.h"

namespace wsedge::http {

namespace {

constexpr int kBadGateway = 502;

// status-line = HTTP-version SP 3DIGIT SP [reason-phrase]; a missing SP after
// the code is tolerated as RFC 9112 §4 asks of recipients.
const char* parseStatusLine(std::string_view line, Response& resp) {
  if (line.size() < 12 || line[8] != ' ') return "bad_status_line";
  if (!syntax::parseVersion(line.substr(0, 8), resp.versionMajor, resp.versionMinor) ||
      resp.versionMajor != 1) {
    return "bad_version";
  }
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return "bad_status_code";
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) return "bad_status_code";
  auto rest = line.substr(12);
  if (!rest.empty()) {
    if (rest.front() != ' ') return "bad_status_line";
    rest.remove_prefix(1);
  }
  for (char c : rest) {
    if (!syntax::isFieldValueChar(static_cast<unsigned char>(c))) return "bad_reason";
  }
  resp.status = status;
  resp.reason.assign(rest);
  return nullptr;
}

}  // namespace

ResponseParser::ResponseParser(std::size_t maxHead) : maxHead_(maxHead) {}

core::FeedResult ResponseParser::fail(std::size_t consumed, std::string_view why) {
  state_ = State::Error;
  errorReason_ = why;
  line_.clear();
  line_.shrink_to_fit();
  return core::FeedResult::error(consumed, kBadGateway);
}

// Same byte-at-a-time scheme as RequestParser::feed, so that results do not
// depend on how the backend's bytes were split into reads.
core::FeedResult ResponseParser::feed(std::string_view bytes) {
  if (state_ == State::Done) return core::FeedResult::done(0);
  if (state_ == State::Error) return core::FeedResult::error(0, kBadGateway);

  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    ++total_;
    line_.push_back(c);
    if (total_ > maxHead_) return fail(i + 1, "head_too_large");
    if (c != '\n') continue;

    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return fail(i + 1, "bare_lf");
    const std::string_view line(line_.data(), line_.size() - 2);
    if (state_ == State::StatusLine) {
      if (const char* why = parseStatusLine(line, response_)) return fail(i + 1, why);
      state_ = State::HeaderLine;
    } else if (line.empty()) {
      state_ = State::Done;
      line_.clear();
      line_.shrink_to_fit();
      return core::FeedResult::done(i + 1);
    } else if (const char* why = syntax::parseFieldLine(line, response_.headers)) {
      return fail(i + 1, why);
    }
    line_.clear();
  }
  return core::FeedResult::needMore(bytes.size());
}

}  // namespace wsedge::http
