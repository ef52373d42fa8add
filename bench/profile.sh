#!/usr/bin/env bash
# Where wsedge spends its CPU under closed-loop load: perf record -g on the
# proxy process (workers = 1) while wsedge-bench drives it, then the top of
# perf report (children excluded, by symbol). Loopback only.
#
#   bench/profile.sh [--build-dir DIR] [--size BYTES] [--seconds S] [--out DIR]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build-bench"
size=64
seconds=5
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v perf > /dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[ -n "$out" ] || out="$build/profile-results"
mkdir -p "$out"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
work=$(mktemp -d /tmp/wsedge-profile.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncpu=$(nproc)
pin_proxy=(); pin_load=()
[ "$ncpu" -ge 2 ] && { pin_proxy=(taskset -c $((ncpu - 1))); pin_load=(taskset -c 0); }

"${pin_load[@]}" "$build/wsedge-echo-backend" --port 0 --threads 1 > "$work/echo.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$work/echo.out" && break; sleep 0.1; done
backend_port=$(sed -n 's/^LISTENING .*:\([0-9]*\)$/\1/p' "$work/echo.out")
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/wsedge.toml" <<EOF
[global]
workers = 1
log_level = "warn"
access_log = "off"
[[listeners]]
name = "bench"
address = "127.0.0.1:$port"
[[routes]]
pool = "echo"
[[pools]]
name = "echo"
  [[pools.servers]]
  name = "echo-1"
  address = "127.0.0.1:$backend_port"
EOF
"${pin_proxy[@]}" "$build/wsedge" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
wpid=$!
pids+=("$wpid")
sleep 0.5
"${pin_load[@]}" "$build/wsedge-bench" --url "ws://127.0.0.1:$port/" --mode closed --connections 64 --threads 1 \
  --inflight 8 --size "$size" --duration $((seconds + 1)) --warmup 1 --cpu-pid "$wpid" > "$out/bench-$size.out" 2>&1 &
bpid=$!
pids+=("$bpid")
sleep 1.5
perf record ${PERF_CALLGRAPH:--g} -o "$out/perf-$size.data" -p "$wpid" -- sleep "$seconds" > /dev/null 2> "$out/perf-record.err"
wait "$bpid"
grep '^SUMMARY' "$out/bench-$size.out" | tr ' ' '\n' | grep -E '^(msgs_per_s|pid_cpu_us_per_msg)='
perf report -i "$out/perf-$size.data" --no-children --sort symbol --stdio 2> /dev/null \
  | grep -E '^ +[0-9.]+%' | head -25 | tee "$out/top-$size.txt"
