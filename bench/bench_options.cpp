#include "bench_options.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace wsedge::bench {
namespace {

constexpr const char* kUsage =
    "usage: wsedge-bench --url ws://127.0.0.1:PORT/PATH [options]\n"
    "  --mode closed|open|idle|connect   (default closed)\n"
    "  --connections N     WebSocket connections (idle: to open and hold)   [16]\n"
    "  --threads N         event-loop threads                               [2]\n"
    "  --inflight N        closed loop: messages outstanding per connection [1]\n"
    "  --rate R            open loop: messages per second, all connections  [1000]\n"
    "  --size BYTES        message payload size                             [64]\n"
    "  --duration S        measured seconds; idle: hold time, 0 = until SIGINT/SIGTERM [5]\n"
    "  --warmup S          seconds of load before measuring                 [1]\n"
    "  --source-ips N      bind clients to N addresses of 127.0.0.0/8 (-1 auto, 0 off) [-1]\n"
    "  --concurrency N     handshakes in progress per thread                [64]\n"
    "  --text              send text frames (default binary)\n"
    "  --handshake-timeout S                                                [10]\n"
    "  --label NAME        copied into the summary line\n"
    "  --cpu-pid PID       report this process's user+sys CPU over the measured window,\n"
    "                      and per message relayed (sent + received)\n"
    "  --header 'Name: value'  extra upgrade request header (repeatable)\n"
    "  --echo-check S      idle: after the hold, send one message on every open\n"
    "                      connection and wait up to S seconds for all the echoes\n"
    "Client frames are always masked. Output: a table, then one line\n"
    "'SUMMARY key=value ...'. Idle mode prints 'IDLE_READY open=N failed=N' once\n"
    "every connection is open or failed.\n";

bool parseUrl(std::string_view url, Options& o, std::string& error) {
  std::string_view rest;
  if (url.starts_with("ws://")) {
    rest = url.substr(5);
    o.tls = false;
  } else if (url.starts_with("wss://")) {
    rest = url.substr(6);
    o.tls = true;
  } else {
    error = "url must start with ws:// or wss://";
    return false;
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  o.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    o.host = std::string(authority);
    o.port = o.tls ? 443 : 80;
  } else {
    o.host = std::string(authority.substr(0, colon));
    o.port = std::atoi(std::string(authority.substr(colon + 1)).c_str());
  }
  if (o.port <= 0 || o.port > 65535 || o.host.empty()) {
    error = "bad host or port in url";
    return false;
  }
  return true;
}

}  // namespace

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::Closed: return "closed";
    case Mode::Open: return "open";
    case Mode::Idle: return "idle";
    case Mode::Connect: return "connect";
  }
  return "?";
}

bool parseOptions(int argc, char** argv, Options& o, std::string& error) {
  bool haveUrl = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--text") {
      o.text = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = std::string(a) + " needs a value (or is unknown; try --help)";
      return false;
    }
    const std::string_view v = argv[++i];
    const std::string vs(v);
    if (a == "--url") {
      if (!parseUrl(v, o, error)) return false;
      haveUrl = true;
    } else if (a == "--mode") {
      if (v == "closed") o.mode = Mode::Closed;
      else if (v == "open") o.mode = Mode::Open;
      else if (v == "idle") o.mode = Mode::Idle;
      else if (v == "connect") o.mode = Mode::Connect;
      else {
        error = "unknown mode " + vs;
        return false;
      }
    } else if (a == "--connections") o.connections = std::atoi(vs.c_str());
    else if (a == "--threads") o.threads = std::atoi(vs.c_str());
    else if (a == "--inflight") o.inflight = std::atoi(vs.c_str());
    else if (a == "--rate") o.rate = std::atof(vs.c_str());
    else if (a == "--size") o.size = static_cast<std::size_t>(std::atoll(vs.c_str()));
    else if (a == "--duration") o.duration = std::atof(vs.c_str());
    else if (a == "--warmup") o.warmup = std::atof(vs.c_str());
    else if (a == "--source-ips") o.sourceIps = std::atoi(vs.c_str());
    else if (a == "--concurrency") o.concurrency = std::atoi(vs.c_str());
    else if (a == "--handshake-timeout") o.handshakeTimeout = std::atof(vs.c_str());
    else if (a == "--label") o.label = vs;
    else if (a == "--cpu-pid") o.cpuPid = std::atoi(vs.c_str());
    else if (a == "--header") {
      // One header line: no CR/LF smuggled into the request, a name and a colon.
      if (vs.find_first_of("\r\n") != std::string::npos || vs.find(':') == std::string::npos || vs.front() == ':') {
        error = "--header wants 'Name: value' on one line";
        return false;
      }
      o.headers.push_back(vs);
    } else if (a == "--echo-check") o.echoCheck = std::atof(vs.c_str());
    else {
      error = "unknown option " + std::string(a) + " (try --help)";
      return false;
    }
  }
  if (!haveUrl) error = "--url is required";
  else if (o.connections < 1 || o.threads < 1 || o.inflight < 1 || o.concurrency < 1)
    error = "--connections, --threads, --inflight and --concurrency must be >= 1";
  else if (o.mode == Mode::Open && o.rate <= 0) error = "--rate must be > 0";
  else if (o.size > (64u << 20)) error = "--size is at most 64 MiB";
  else if (o.echoCheck < 0 || (o.echoCheck > 0 && o.mode != Mode::Idle)) error = "--echo-check S (S > 0) is for idle mode";
  else if (o.duration < 0 || o.warmup < 0) error = "--duration and --warmup must be >= 0";
  else if (o.mode != Mode::Idle && o.duration <= 0) error = "--duration must be > 0";
  return error.empty();
}

}  // namespace wsedge::bench
