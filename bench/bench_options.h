#pragma once
// Command line of wsedge-bench.
#include <cstddef>
#include <string>
#include <vector>

namespace wsedge::bench {

enum class Mode {
  Closed,   // each connection keeps `inflight` messages outstanding
  Open,     // a fixed total message rate, latency from the intended send time
  Idle,     // open N WebSockets and hold them until told to stop
  Connect,  // new TCP connection + handshake, as many per second as possible
};

/// Everything the load generator was asked to do; filled by parseOptions.
struct Options {
  Mode mode = Mode::Closed;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  bool tls = false;
  int connections = 16;
  int threads = 2;
  int inflight = 1;
  double rate = 1000;  // open loop: messages per second, all connections together
  std::size_t size = 64;
  double duration = 5;  // seconds measured; idle: hold time, 0 = until SIGINT/SIGTERM
  double warmup = 1;
  int sourceIps = -1;    // -1 = auto: spread over 127.0.0.0/8 when ports would run out
  int concurrency = 64;  // handshakes in progress per thread (idle, connect, start-up)
  bool text = false;
  double handshakeTimeout = 10;
  std::string label;
  int cpuPid = 0;  // when set: user+sys CPU of this process over the measured window
  std::vector<std::string> headers;  // extra "Name: value" lines in the upgrade request
  double echoCheck = 0;  // idle: after the hold, one message per connection, wait this long for the echoes
};

/// Parses argv into `out`; false with a message in `error` on a bad option.
/// Prints usage and exits 0 on --help.
bool parseOptions(int argc, char** argv, Options& out, std::string& error);

const char* modeName(Mode mode);

}  // namespace wsedge::bench
