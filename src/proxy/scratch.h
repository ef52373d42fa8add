#pragma once
// Private to proxy/: the worker thread's read buffer. Every read of the relay
// and of a passed-through answer lands here and is written out (or put back
// into the Conn) before the callback returns, so one buffer per thread serves
// every session of the worker and an idle session holds none.
#include <cstddef>
#include <cstdint>

namespace wsedge::proxy {

/// Size of one read: large enough for a burst of 4 KiB messages in one recv().
inline constexpr std::size_t kScratchSize = 64 * 1024;

/// This thread's scratch buffer (kScratchSize bytes). Never held across callbacks.
inline std::uint8_t* scratch() {
  thread_local std::uint8_t buffer[kScratchSize];
  return buffer;
}

}  // namespace wsedge::proxy
