#include "fd_limit.h"

#include <sys/resource.h>

namespace wsedge::bench {

std::uint64_t raiseFdLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit wanted = lim;
    wanted.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) lim = wanted;
  }
  return lim.rlim_cur == RLIM_INFINITY ? 1u << 20 : static_cast<std::uint64_t>(lim.rlim_cur);
}

}  // namespace wsedge::bench
