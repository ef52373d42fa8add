#!/usr/bin/env bash
# Scale run: as many concurrent WebSockets through one wsedge process as its
# fd limit allows (two fds per proxied connection), held, then one message on
# every connection with every echo counted. Reports the proxy's RSS and CPU.
# Loopback only; bounded in time (start-up, hold and the echo check).
#
#   bench/scale.sh [--build-dir DIR] [--out DIR] [--workers 1] [--hold S] [--connections N]
#
# wsedge-bench and the echo backend hold one fd per connection each, so with
# the same limit they stay well below theirs: the proxy is the one near its
# limit. N defaults to (proxy's RLIMIT_NOFILE - fds it holds at rest - 40) / 2.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build="$here/../build-bench"
out=""
workers=1
hold=5
wanted=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    --connections) wanted=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "scale.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out="$build/scale-results"
mkdir -p "$out"
work=$(mktemp -d /tmp/wsedge-scale.XXXXXX)
cleanup_wait=30
install_cleanup
log() { echo "scale: $*" >&2; }
# Kernel socket memory (pages) for TCP, system-wide: the buffers are not in any RSS.
slab_kb() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
tcp_mem_pages() { awk '/^TCP:/ {for (i=1;i<=NF;i++) if ($i=="mem") print $(i+1)}' /proc/net/sockstat; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null
# One worker: the proxy on the last CPU, the rest on CPU 0; more workers: no pinning.
if [ "$workers" = 1 ]; then set_pinning; else set_pinning no; fi

start_echo_backend "$build/wsedge-echo-backend" 1 || { log "echo backend did not start"; exit 1; }
port=$(free_port)
wsedge_toml "$port" "$backend_port" "$workers" > "$work/wsedge.toml"
"${pin_proxy[@]}" "$build/wsedge" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
wpid=$!
pids+=("$wpid")
probe_upgrade "$build/wsedge-bench" "ws://127.0.0.1:$port/" 50 0.1
sleep 0.5

# What the proxy's own limit allows (wsedge raises its soft limit to the hard one).
proxy_limit=$(awk '/^Max open files/ {print $4}' "/proc/$wpid/limits")
proxy_fds_rest=$(ls "/proc/$wpid/fd" | wc -l)
fit=$(( (proxy_limit - proxy_fds_rest - 40) / 2 ))
n=$fit
[ "$wanted" -gt 0 ] && [ "$wanted" -lt "$fit" ] && n=$wanted
log "wsedge (workers=$workers) fd limit $proxy_limit, $proxy_fds_rest fds at rest: $n connections (fit $fit)"

rss0=$(rss_kb "$wpid"); cpu0=$(cpu_s "$wpid"); tcp0=$(tcp_mem_pages); slab0=$(slab_kb)
start=$(date +%s.%N)
"${pin_load[@]}" "$build/wsedge-bench" --url "ws://127.0.0.1:$port/" --label scale --mode idle --connections "$n" \
  --threads 1 --concurrency 256 --duration "$hold" --echo-check 60 --cpu-pid "$wpid" --size 64 \
  > "$out/scale.out" 2> "$out/scale.err" &
bpid=$!
pids+=("$bpid")
for _ in $(seq 1200); do grep -q '^IDLE_READY' "$out/scale.out" && break; sleep 0.1; done
cpu1=$(cpu_s "$wpid")
sleep 1
rss1=$(rss_kb "$wpid"); fds1=$(ls "/proc/$wpid/fd" | wc -l); tcp1=$(tcp_mem_pages); slab1=$(slab_kb)
for _ in $(seq 1200); do grep -q '^ECHO_DONE' "$out/scale.out" && break; kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
rss2=$(rss_kb "$wpid"); cpu2=$(cpu_s "$wpid")
wait "$bpid"
elapsed=$("$PY" -c "import time; print(round(time.time() - $start, 1))")
cat "$out/scale.out"
opened=$(sed -n 's/^IDLE_READY open=\([0-9]*\).*/\1/p' "$out/scale.out")
up_s=$(sed -n 's/^IDLE_READY .*seconds=\([0-9.]*\).*/\1/p' "$out/scale.out")
echoed=$(sed -n 's/^ECHO_DONE .*echoed=\([0-9]*\).*/\1/p' "$out/scale.out")
echo_s=$(sed -n 's/^ECHO_DONE .*seconds=\([0-9.]*\).*/\1/p' "$out/scale.out")
"$PY" - "$n" "${opened:-0}" "${echoed:-0}" "$rss0" "$rss1" "$rss2" "$cpu0" "$cpu1" "$cpu2" "$fds1" "$proxy_limit" \
  "$tcp0" "$tcp1" "${up_s:-0}" "${echo_s:-0}" "$workers" "$elapsed" "$slab0" "$slab1" <<'EOF' | tee "$out/scale.md"
import sys
n, opened, echoed = map(int, sys.argv[1:4])
rss0, rss1, rss2 = map(int, sys.argv[4:7])
cpu0, cpu1, cpu2 = map(float, sys.argv[7:10])
fds, limit, tcp0, tcp1 = map(int, sys.argv[10:14])
up_s, echo_s = float(sys.argv[14]), float(sys.argv[15])
workers, elapsed = sys.argv[16], sys.argv[17]
slab0, slab1 = int(sys.argv[18]), int(sys.argv[19])
per = (rss1 - rss0) * 1024 / opened if opened else 0
per_active = (rss2 - rss0) * 1024 / opened if opened else 0
# Four sockets per proxied connection on this machine (load generator, the
# proxy's two, the backend's): the proxy's share of kernel memory is half.
slab_sock = (slab1 - slab0) * 1024 / (4 * opened) if opened else 0
tcp_per = max(0, (tcp1 - tcp0) * 4096 / opened) if opened else 0  # system-wide: others' sockets add noise
print("| wsedge workers | connections asked / open / echoed | proxy fds (limit) | RSS at rest -> open -> after one echo each | RSS per connection idle / after a message | proxy CPU to open them | CPU for hold + echo check | kernel slab per socket (system-wide) | TCP buffer memory per connection |")
print("|---|---|---|---|---|---|---|---|---|")
print(f"| {workers} | {n:,} / {opened:,} / {echoed:,} | {fds:,} ({limit:,}) | {rss0/1024:.1f} -> {rss1/1024:.1f} -> {rss2/1024:.1f} MiB | {per:,.0f} B / {per_active:,.0f} B | {cpu1-cpu0:.2f} s ({opened/up_s if up_s else 0:,.0f} opens/s over {up_s:.1f} s) | {cpu2-cpu1:.2f} s (echo check {echo_s:.2f} s) | {slab_sock:,.0f} B | {tcp_per:,.0f} B |")
for target in (100_000, 1_000_000):
    print(f"\nfor {target:,} connections in one process: {per*target/2**20:,.0f} MiB RSS idle ({per_active*target/2**20:,.0f} MiB once each has carried a message), "
          f"{2*target + (fds - 2*opened):,} fds (RLIMIT_NOFILE), plus kernel memory outside the RSS: ~{2*slab_sock*target/2**20:,.0f} MiB of socket structures (2 sockets each) "
          f"and TCP buffers ({tcp_per*target/2**20:,.0f} MiB when idle; up to the tcp_rmem/tcp_wmem sizes per socket under load)")
print(f"\nrun took {elapsed} s")
EOF
[ "${echoed:-0}" = "${opened:-x}" ] || { log "not every connection echoed ($echoed of $opened)"; exit 1; }
