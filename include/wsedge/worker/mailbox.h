#pragma once
// A queue of functions that other threads post to an event loop. The loop is
// woken through an eventfd, so event bases can run without libevent's locks
// (EVENT_BASE_FLAG_NOLOCK): nothing on the data path takes a mutex.
#include <event2/util.h>

#include <functional>
#include <mutex>
#include <vector>

#include "wsedge/core/handles.h"

namespace wsedge::worker {

class Mailbox {
 public:
  /// Registers on `base`; the functions run on the thread that runs `base`.
  explicit Mailbox(event_base* base);
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  /// Queues `fn` and wakes the loop. Any thread.
  void post(std::function<void()> fn);

 private:
  static void onWake(evutil_socket_t fd, short, void* ctx);

  int fd_ = -1;
  core::EventPtr event_;
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;
};

}  // namespace wsedge::worker
