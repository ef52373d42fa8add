#include "bench_report.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace wsedge::bench {
namespace {

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

void printPercentiles(const char* title, const Histogram& h) {
  std::printf("%-22s p50 %9.1f  p90 %9.1f  p99 %9.1f  p99.9 %9.1f  max %9.1f us  (n=%llu)\n", title,
              us(h.percentile(0.50)), us(h.percentile(0.90)), us(h.percentile(0.99)), us(h.percentile(0.999)),
              us(h.max()), static_cast<unsigned long long>(h.count()));
}

void appendPercentiles(std::string& line, const char* prefix, const Histogram& h) {
  char buf[256];
  std::snprintf(buf, sizeof buf, " %sp50_us=%.1f %sp90_us=%.1f %sp99_us=%.1f %sp999_us=%.1f %smax_us=%.1f", prefix,
                us(h.percentile(0.50)), prefix, us(h.percentile(0.90)), prefix, us(h.percentile(0.99)), prefix,
                us(h.percentile(0.999)), prefix, us(h.max()));
  line += buf;
}

}  // namespace

double processCpuSeconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void printReport(const Report& r) {
  const Options& o = r.opt;
  const Stats& s = r.stats;
  const double secs = r.seconds > 0 ? r.seconds : 1e-9;
  const double msgRate = static_cast<double>(s.received) / secs;
  const double mib = static_cast<double>(s.bytesReceived) / secs / (1024.0 * 1024.0);
  // Idle mode's window is the hold; its handshakes happened during start-up.
  const double hsRate = static_cast<double>(s.handshakes) /
                        (o.mode == Mode::Idle ? (r.startSeconds > 0 ? r.startSeconds : 1e-9) : secs);
  const double relayed = static_cast<double>(s.sent + s.received);
  const double cpuPerMsg = r.pidCpuSeconds >= 0 && relayed > 0 ? r.pidCpuSeconds * 1e6 / relayed : -1;

  std::printf("wsedge-bench  mode=%s  url=%s://%s:%d%s  connections=%d threads=%d size=%zu\n", modeName(o.mode),
              o.tls ? "wss" : "ws", o.host.c_str(), o.port, o.path.c_str(),
              o.mode == Mode::Connect ? o.concurrency * o.threads : o.connections, o.threads, o.size);
  std::printf("%-22s %.2f s (start-up %.2f s, fd limit %llu, source addresses %d)\n", "measured", r.seconds,
              r.startSeconds, static_cast<unsigned long long>(r.fdLimit), r.sourceIps);
  switch (o.mode) {
    case Mode::Closed:
    case Mode::Open:
      std::printf("%-22s sent %llu  received %llu  behind %llu  closed by peer %llu\n", "messages",
                  static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.received),
                  static_cast<unsigned long long>(s.behind), static_cast<unsigned long long>(s.closedByPeer));
      std::printf("%-22s %.0f msg/s  %.2f MiB/s\n", "echo rate", msgRate, mib);
      printPercentiles("round trip", s.latency);
      break;
    case Mode::Idle:
      std::printf("%-22s opened %llu  failed %llu  open at end %llu  closed by peer %llu\n", "connections",
                  static_cast<unsigned long long>(s.handshakes), static_cast<unsigned long long>(s.handshakeFailures),
                  static_cast<unsigned long long>(s.openNow), static_cast<unsigned long long>(s.closedByPeer));
      if (r.echoSeconds >= 0) {
        std::printf("%-22s sent %llu  echoed %llu  in %.3f s\n", "echo check", static_cast<unsigned long long>(s.sent),
                    static_cast<unsigned long long>(s.received), r.echoSeconds);
        printPercentiles("echo round trip", s.latency);
      }
      break;
    case Mode::Connect:
      std::printf("%-22s %llu ok  %llu failed  %.0f handshakes/s\n", "handshakes",
                  static_cast<unsigned long long>(s.handshakes), static_cast<unsigned long long>(s.handshakeFailures),
                  hsRate);
      break;
  }
  printPercentiles("handshake", s.handshakeLatency);
  if (r.pidCpuSeconds >= 0)
    std::printf("%-22s pid %d: %.3f s user+sys, %.2f us per message relayed\n", "process cpu", o.cpuPid,
                r.pidCpuSeconds, cpuPerMsg);

  char buf[512];
  std::snprintf(buf, sizeof buf,
                "SUMMARY tool=wsedge-bench mode=%s label=%s tls=%d conns=%d threads=%d size=%zu inflight=%d "
                "rate=%.0f seconds=%.3f sent=%llu received=%llu bytes=%llu behind=%llu closed_by_peer=%llu "
                "handshakes=%llu handshake_failures=%llu open_at_end=%llu msgs_per_s=%.1f mib_per_s=%.3f "
                "handshakes_per_s=%.1f source_ips=%d pid_cpu_s=%.3f pid_cpu_us_per_msg=%.3f",
                modeName(o.mode), o.label.empty() ? "-" : o.label.c_str(), o.tls ? 1 : 0,
                o.mode == Mode::Connect ? o.concurrency * o.threads : o.connections, o.threads, o.size, o.inflight,
                o.mode == Mode::Open ? o.rate : 0.0, r.seconds, static_cast<unsigned long long>(s.sent),
                static_cast<unsigned long long>(s.received), static_cast<unsigned long long>(s.bytesReceived),
                static_cast<unsigned long long>(s.behind), static_cast<unsigned long long>(s.closedByPeer),
                static_cast<unsigned long long>(s.handshakes), static_cast<unsigned long long>(s.handshakeFailures),
                static_cast<unsigned long long>(s.openNow), msgRate, mib, hsRate, r.sourceIps, r.pidCpuSeconds,
                cpuPerMsg);
  std::string line(buf);
  appendPercentiles(line, "", s.latency);
  appendPercentiles(line, "hs_", s.handshakeLatency);
  // Connect mode: the process's CPU per handshake (TLS cost without the client's side).
  const double cpuPerHs = r.pidCpuSeconds >= 0 && s.handshakes > 0
                              ? r.pidCpuSeconds * 1e6 / static_cast<double>(s.handshakes)
                              : -1;
  std::snprintf(buf, sizeof buf, " echo_s=%.3f pid_cpu_us_per_hs=%.1f", r.echoSeconds, cpuPerHs);
  line += buf;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace wsedge::bench
