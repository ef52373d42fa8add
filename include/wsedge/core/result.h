#pragma once
// The one return convention of every incremental parser in wsedge:
// feed(bytes) -> {consumed, status}. Parsers never do I/O and never throw.
#include <cstddef>
#include <string>
#include <utility>

namespace wsedge::core {

enum class ParseStatus { NeedMore, Done, Error };

/// What one feed() call did: how many input bytes it consumed and where the
/// parser stands. On Error, `code` is the protocol answer the caller must give
/// (an HTTP status for head parsers, a WebSocket close code for frame parsers).
struct FeedResult {
  std::size_t consumed = 0;
  ParseStatus status = ParseStatus::NeedMore;
  int code = 0;

  static FeedResult needMore(std::size_t n) { return {n, ParseStatus::NeedMore, 0}; }
  static FeedResult done(std::size_t n) { return {n, ParseStatus::Done, 0}; }
  static FeedResult error(std::size_t n, int c) { return {n, ParseStatus::Error, c}; }
};

/// A value or an error message; used by loaders and validators.
template <typename T>
class Result {
 public:
  static Result ok(T v) { Result r; r.value_ = std::move(v); r.ok_ = true; return r; }
  static Result fail(std::string e) { Result r; r.error_ = std::move(e); return r; }
  bool isOk() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const T& value() const& { return value_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  const std::string& error() const { return error_; }

 private:
  T value_{};
  std::string error_;
  bool ok_ = false;
};

}  // namespace wsedge::core
