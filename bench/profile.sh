#!/usr/bin/env bash
# Where wsedge spends its CPU under closed-loop load: perf record -g on the
# proxy process (workers = 1) while wsedge-bench drives it, then the top of
# perf report (children excluded, by symbol). Loopback only.
#
#   bench/profile.sh [--build-dir DIR] [--size BYTES] [--seconds S] [--out DIR] [--tls]
#
# --tls: the listener terminates TLS (a throw-away ECDSA P-256 certificate).
# PERF_CALLGRAPH="--call-graph dwarf,16384" gives user-space callers too.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build="$here/../build-bench"
size=64
seconds=5
out=""
tls=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v perf > /dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[ -n "$out" ] || out="$build/profile-results"
mkdir -p "$out"
work=$(mktemp -d /tmp/wsedge-profile.XXXXXX)
install_cleanup

set_pinning

start_echo_backend "$build/wsedge-echo-backend" 1
port=$(free_port)
tls_block=""
scheme=ws
if [ "$tls" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
    -keyout "$work/ec.key" -out "$work/ec.crt" 2> /dev/null || { echo "profile.sh: openssl failed" >&2; exit 1; }
  tls_block="  [listeners.tls]
  certificates = [{ cert = \"$work/ec.crt\", key = \"$work/ec.key\" }]"
  scheme=wss
fi
wsedge_toml "$port" "$backend_port" 1 "" "$tls_block" > "$work/wsedge.toml"
"${pin_proxy[@]}" "$build/wsedge" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
wpid=$!
pids+=("$wpid")
sleep 0.5
"${pin_load[@]}" "$build/wsedge-bench" --url "$scheme://127.0.0.1:$port/" --mode closed --connections 64 --threads 1 \
  --inflight 8 --size "$size" --duration $((seconds + 1)) --warmup 1 --cpu-pid "$wpid" > "$out/bench-$scheme-$size.out" 2>&1 &
bpid=$!
pids+=("$bpid")
sleep 1.5
perf record ${PERF_CALLGRAPH:--g} -o "$out/perf-$scheme-$size.data" -p "$wpid" -- sleep "$seconds" > /dev/null 2> "$out/perf-record.err"
wait "$bpid"
grep '^SUMMARY' "$out/bench-$scheme-$size.out" | tr ' ' '\n' | grep -E '^(msgs_per_s|pid_cpu_us_per_msg)='
# The whole report goes to a file first: `head` closing the pipe early would
# make perf (and, under pipefail, this script) exit 141.
perf report -i "$out/perf-$scheme-$size.data" --no-children --sort symbol --stdio 2> /dev/null \
  | grep -E '^ +[0-9.]+%' > "$out/all-$scheme-$size.txt"
sed -n '1,25p' "$out/all-$scheme-$size.txt" | tee "$out/top-$scheme-$size.txt"
