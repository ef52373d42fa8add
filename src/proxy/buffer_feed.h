#pragma once
// Private to proxy/: feeding an incremental parser straight from an evbuffer's
// chains (no pullup, no copy), however many chains the bytes sit in.
#include <event2/buffer.h>

#include <cstddef>

#include "wsedge/core/result.h"

namespace wsedge::proxy {

/// Feeds `parser` the bytes of `in` from offset `skip` on, until it is done,
/// fails, or has seen everything. `fed` = bytes the parser consumed. Nothing
/// is drained: the caller decides what to do with the consumed bytes.
template <typename Parser>
core::FeedResult feedFromBuffer(evbuffer* in, std::size_t skip, Parser& parser, std::size_t& fed) {
  constexpr int kIov = 16;
  core::FeedResult r;
  fed = 0;
  for (;;) {
    evbuffer_ptr pos;
    if (evbuffer_ptr_set(in, &pos, skip + fed, EVBUFFER_PTR_SET) != 0) return r;
    evbuffer_iovec vec[kIov];
    int n = evbuffer_peek(in, -1, &pos, vec, kIov);
    if (n <= 0) return r;
    for (int i = 0; i < n && i < kIov; ++i) {
      r = parser.feed({static_cast<const char*>(vec[i].iov_base), vec[i].iov_len});
      fed += r.consumed;
      if (r.status != core::ParseStatus::NeedMore) return r;
    }
    if (n < kIov) return r;  // every chain was seen (a full vector may mean more)
  }
}

}  // namespace wsedge::proxy
