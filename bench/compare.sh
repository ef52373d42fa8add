#!/usr/bin/env bash
# One command, one table: direct-to-backend, wsedge, HAProxy and nginx measured
# the same way on loopback. See docs/benchmarks.md for the method.
#
#   bench/compare.sh [--build-dir DIR] [--out DIR] [--systems "direct wsedge haproxy nginx"]
#                    [--duration S] [--rate R] [--idle N] [--quick] [--update-docs]
#
# The proxy under test runs on one CPU (one thread / worker), the load generator
# and the echo backend on the other. Every process this script starts is
# recorded and stopped by PID on exit.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/.." && pwd)
build="$root/build-bench"
out=""
systems="direct wsedge haproxy nginx"
duration=5
warmup=1
rate=10000
idle_wanted=10000
conns=64
inflight=8
update_docs=0

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --idle) idle_wanted=$2; shift 2 ;;
    --quick) duration=1; warmup=0.5; idle_wanted=1000; shift ;;
    --update-docs) update_docs=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bench="$build/wsedge-bench"
echo_bin="$build/wsedge-echo-backend"
wsedge_bin="$build/wsedge"
for b in "$bench" "$echo_bin"; do
  [ -x "$b" ] || { echo "compare.sh: $b missing; build with cmake --build $build --target wsedge-bench wsedge-echo-backend" >&2; exit 2; }
done

work=$(mktemp -d /tmp/wsedge-compare.XXXXXX)
[ -n "$out" ] || out="$build/compare-results"
mkdir -p "$out"
results="$out/results.tsv"
: > "$results"

install_cleanup

log() { echo "compare: $*" >&2; }

# CPUs: the proxy on one, everything else on another.
set_pinning || log "only one CPU: running without pinning"

# fd budget: a proxied idle WebSocket costs the proxy two fds.
raise_fd_limit
idle_fit=$(( (hard - 2000) / 2 ))
idle_n=$idle_wanted
[ "$idle_n" -gt "$idle_fit" ] && idle_n=$idle_fit
log "fd hard limit $hard: idle test uses $idle_n connections (asked $idle_wanted)"

# One WebSocket through the system and back: is it up and passing upgrades?
probe() { probe_upgrade "$bench" "ws://127.0.0.1:$1/" 25 0.2; }

# --- the echo backend ---------------------------------------------------------
start_echo_backend "$echo_bin" 1 || { log "echo backend did not start"; cat "$work/echo.out" >&2; exit 1; }
log "echo backend on 127.0.0.1:$backend_port (cpu ${load_cpu:-any})"

# --- starting each system; sets sys_pid and sys_port, returns 1 if it did not come up ----
start_system() {
  local name=$1 dir="$work/$1"
  mkdir -p "$dir"
  sys_port=$(free_port)
  sys_pid=""
  case "$name" in
    wsedge)
      [ -x "$wsedge_bin" ] || { skip_reason="no binary at $wsedge_bin"; return 1; }
      wsedge_toml "$sys_port" "$backend_port" 1 round_robin > "$dir/wsedge.toml"
      "${pin_proxy[@]}" "$wsedge_bin" -c "$dir/wsedge.toml" > "$dir/stdout" 2> "$dir/stderr" &
      ;;
    haproxy)
      command -v haproxy > /dev/null || { skip_reason="haproxy not installed"; return 1; }
      cat > "$dir/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn $((idle_n + 200))
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend bench
  bind 127.0.0.1:$sys_port
  default_backend echo
backend echo
  server echo-1 127.0.0.1:$backend_port
EOF
      "${pin_proxy[@]}" haproxy -db -f "$dir/haproxy.cfg" > "$dir/stdout" 2> "$dir/stderr" &
      ;;
    nginx)
      local nginx=/usr/sbin/nginx
      [ -x "$nginx" ] || { skip_reason="nginx not installed"; return 1; }
      mkdir -p "$dir/logs" "$dir/tmp"
      cat > "$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $hard;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections $((hard - 100)); }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream echo { server 127.0.0.1:$backend_port; }
  server {
    listen 127.0.0.1:$sys_port;
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$host;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
EOF
      "${pin_proxy[@]}" "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" > "$dir/stdout" 2> "$dir/stderr" &
      ;;
    *) skip_reason="unknown system"; return 1 ;;
  esac
  sys_pid=$!
  pids+=("$sys_pid")
  if ! probe "$sys_port"; then
    skip_reason="did not pass a WebSocket upgrade"
    log "$name: $skip_reason; its stderr:"; tail -5 "$dir/stderr" >&2
    stop_pid "$sys_pid"
    return 1
  fi
  return 0
}

# Runs wsedge-bench pinned to the load CPU; output in $work/$2.out.
run_bench() {
  local port=$1 tag=$2; shift 2
  "${pin_load[@]}" "$bench" --url "ws://127.0.0.1:$port/" --label "$tag" "$@" > "$work/$tag.out" 2> "$work/$tag.err"
  if ! grep -q '^SUMMARY ' "$work/$tag.out"; then
    log "$tag: no summary"; tail -3 "$work/$tag.err" >&2
  fi
}

# --- measure one system --------------------------------------------------------------
measure() {
  local name=$1 port pid
  skip_reason=""
  if [ "$name" = direct ]; then
    port=$backend_port; pid=""
  else
    if ! start_system "$name"; then
      printf '%s\tskipped\t%s\n' "$name" "$skip_reason" >> "$results"
      return
    fi
    port=$sys_port; pid=$sys_pid
  fi
  local cpu_args=()
  [ -n "$pid" ] && cpu_args=(--cpu-pid "$pid")
  log "$name: throughput 64 B"
  run_bench "$port" "$name-t64" --mode closed --connections $conns --threads 1 --inflight $inflight \
    --size 64 --duration "$duration" --warmup "$warmup" "${cpu_args[@]}"
  log "$name: throughput 4 KiB"
  run_bench "$port" "$name-t4k" --mode closed --connections $conns --threads 1 --inflight $inflight \
    --size 4096 --duration "$duration" --warmup "$warmup" "${cpu_args[@]}"
  log "$name: latency and CPU at $rate msg/s"
  run_bench "$port" "$name-lat" --mode open --connections $conns --threads 1 --rate "$rate" \
    --size 64 --duration "$duration" --warmup "$warmup" "${cpu_args[@]}"
  log "$name: handshakes per second"
  run_bench "$port" "$name-hs" --mode connect --concurrency 32 --threads 1 \
    --duration "$duration" --warmup "$warmup"

  local rss_per="" idle_open=""
  if [ -n "$pid" ]; then
    # A fresh process, so memory freed by the load runs above does not hide
    # what idle connections cost.
    stop_pid "$pid"
    if start_system "$name"; then
      pid=$sys_pid; port=$sys_port
      sleep 0.3
      local before after
      before=$(rss_kb "$pid")
      log "$name: $idle_n idle WebSockets (RSS before ${before} KiB)"
      "${pin_load[@]}" "$bench" --url "ws://127.0.0.1:$port/" --label "$name-idle" --mode idle \
        --connections "$idle_n" --threads 1 --concurrency 128 --duration 120 \
        > "$work/$name-idle.out" 2> "$work/$name-idle.err" &
      local bpid=$!
      pids+=("$bpid")
      for _ in $(seq 600); do grep -q '^IDLE_READY' "$work/$name-idle.out" && break; sleep 0.1; done
      sleep 1
      after=$(rss_kb "$pid")
      idle_open=$(sed -n 's/^IDLE_READY open=\([0-9]*\).*/\1/p' "$work/$name-idle.out")
      stop_pid "$bpid"
      if [ -n "$idle_open" ] && [ "$idle_open" -gt 0 ] && [ -n "$before" ] && [ -n "$after" ]; then
        rss_per=$(( (after - before) * 1024 / idle_open ))
      fi
      log "$name: RSS after ${after} KiB, open $idle_open"
      stop_pid "$pid"
    fi
  fi

  printf '%s\tok\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" \
    "$(field "$work/$name-t64.out" msgs_per_s)" \
    "$(field "$work/$name-t4k.out" msgs_per_s)" \
    "$(field "$work/$name-t4k.out" mib_per_s)" \
    "$(field "$work/$name-lat.out" p50_us)" \
    "$(field "$work/$name-lat.out" p99_us)" \
    "$(field "$work/$name-lat.out" p999_us)" \
    "$(field "$work/$name-lat.out" pid_cpu_us_per_msg)" \
    "${rss_per:-}" "${idle_open:-}" \
    "$(field "$work/$name-hs.out" handshakes_per_s)" \
    "$(field "$work/$name-lat.out" msgs_per_s)" \
    "$(field "$work/$name-t64.out" pid_cpu_us_per_msg)" \
    "$(field "$work/$name-t4k.out" pid_cpu_us_per_msg)" >> "$results"
  cp "$work"/"$name"-*.out "$out/" 2>/dev/null
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for s in $systems; do measure "$s"; done
elapsed=$(( $(date +%s) - start ))

# --- the table (and the chart) -----------------------------------------------------
{
  echo "machine: $(nproc) CPUs, Linux $(uname -r), $(haproxy -v 2>/dev/null | head -1 | awk '{print "HAProxy", $3}'), $(/usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\//nginx /'), fd hard limit $hard"
  echo "load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "load: closed loop $conns connections x $inflight in flight; open loop $rate msg/s on $conns connections; ${duration}s each after ${warmup}s warm-up; idle: $idle_n WebSockets; run took ${elapsed}s"
} > "$out/context.txt"
"$PY" "$here/compare_table.py" "$results" "$out" < "$out/context.txt"
status=$?

if command -v gnuplot > /dev/null && [ -s "$out/chart.dat" ]; then
  gnuplot -e "datafile='$out/chart.dat'; outfile='$out/benchmarks.svg'" "$here/chart.gp" 2> "$work/gnuplot.err" \
    || log "gnuplot failed: $(head -3 "$work/gnuplot.err")"
else
  log "gnuplot missing or no data: no chart"
fi
if [ "$update_docs" = 1 ]; then
  cp "$out/table.md" "$root/docs/benchmarks-table.md"
  [ -f "$out/benchmarks.svg" ] && cp "$out/benchmarks.svg" "$root/docs/benchmarks.svg"
  log "docs/benchmarks-table.md and docs/benchmarks.svg updated"
fi
log "results in $out (took ${elapsed}s)"
exit $status
