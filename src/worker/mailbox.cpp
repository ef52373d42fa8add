#include "wsedge/worker/mailbox.h"

#include <event2/event.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace wsedge::worker {

Mailbox::Mailbox(event_base* base) {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  event_.reset(event_new(base, fd_, EV_READ | EV_PERSIST, &Mailbox::onWake, this));
  event_add(event_.get(), nullptr);
}

Mailbox::~Mailbox() {
  event_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void Mailbox::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(fn));
  }
  std::uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable.
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

void Mailbox::onWake(evutil_socket_t fd, short, void* ctx) {
  auto* m = static_cast<Mailbox*>(ctx);
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(fd, &count, sizeof count);
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(m->mu_);
    work.swap(m->queue_);
  }
  for (auto& fn : work) fn();
}

}  // namespace wsedge::worker
