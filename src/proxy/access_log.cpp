#include "wsedge/proxy/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wsedge::proxy {

AccessLog::Sink::~Sink() {
  if (owned && fd >= 0) ::close(fd);
}

bool AccessLog::open(const std::string& target, std::string& error) {
  auto sink = std::make_shared<Sink>();
  if (target == "stderr") {
    sink->fd = STDERR_FILENO;
  } else if (target != "off") {
    sink->fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (sink->fd < 0) {
      error = target + ": " + std::strerror(errno);
      return false;
    }
    sink->owned = true;
  }
  std::lock_guard lock(mu_);
  target_ = target;
  sink_ = std::move(sink);
  return true;
}

bool AccessLog::reopen(std::string& error) {
  std::string target;
  {
    std::lock_guard lock(mu_);
    target = target_;
  }
  return open(target, error);
}

bool AccessLog::enabled() const {
  std::lock_guard lock(mu_);
  return sink_ && sink_->fd >= 0;
}

void AccessLog::write(const std::string& line) {
  std::shared_ptr<Sink> sink;
  {
    std::lock_guard lock(mu_);
    sink = sink_;
  }
  if (!sink || sink->fd < 0) return;
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(sink->fd, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace wsedge::proxy
