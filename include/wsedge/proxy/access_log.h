#pragma once
// The access log: one line per finished session, to stderr, a file, or
// nowhere. Any worker thread may write; the main thread reopens the file on
// SIGUSR1. Lines are written with one write(2) each (O_APPEND for files).
#include <memory>
#include <mutex>
#include <string>

#include "wsedge/core/log.h"

namespace wsedge::proxy {

class AccessLog {
 public:
  /// `target`: a path, "stderr" or "off". Returns false (and sets error) when
  /// the file cannot be opened.
  bool open(const std::string& target, std::string& error);
  /// Reopens the current file (log rotation). Main thread.
  bool reopen(std::string& error);
  bool enabled() const;
  /// Writes one finished line. Any thread.
  void write(const std::string& line);

 private:
  struct Sink {
    int fd = -1;
    bool owned = false;
    ~Sink();
  };
  mutable std::mutex mu_;
  std::string target_ = "stderr";
  std::shared_ptr<Sink> sink_;
};

}  // namespace wsedge::proxy
