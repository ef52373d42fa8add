#pragma once
// The machine's fd hard limit cannot be raised, so the tools read it and fit
// the number of sockets they open to it instead of failing at EMFILE.
#include <cstdint>

namespace wsedge::bench {

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::uint64_t raiseFdLimit();

}  // namespace wsedge::bench
