#pragma once
// The human table and the one machine-readable SUMMARY line.
#include <cstdint>

#include "bench_options.h"
#include "bench_worker.h"

namespace wsedge::bench {

/// Everything printReport needs; `seconds` is the measured window.
struct Report {
  const Options& opt;
  const Stats& stats;
  double seconds;
  double startSeconds;
  int sourceIps;
  std::uint64_t fdLimit;
  double pidCpuSeconds;  // -1 = not measured
  double echoSeconds;    // idle --echo-check: time to send and get every echo back; -1 = not run
};

/// user+sys CPU seconds of `pid` from /proc/PID/stat; -1 when unreadable.
double processCpuSeconds(int pid);

/// Writes the table, then 'SUMMARY key=value ...' (keys stable, values without spaces), to stdout.
void printReport(const Report& r);

}  // namespace wsedge::bench
