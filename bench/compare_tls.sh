#!/usr/bin/env bash
# TLS termination: wsedge against HAProxy 2.6, same certificate, same run, on
# loopback. Full handshakes per second with an ECDSA P-256 and an RSA 2048
# certificate, relay throughput over TLS (closed loop, 4 KiB) and RSS per idle
# TLS WebSocket. See docs/benchmarks.md (TLS section).
#
#   bench/compare_tls.sh [--build-dir DIR] [--out DIR] [--systems "wsedge haproxy"]
#                        [--duration S] [--idle N] [--quick]
#
# The proxy runs pinned to the last CPU, the load generator and the echo
# backend to CPU 0. Certificates are made with the openssl CLI in a temporary
# directory. Every process started is stopped by PID on exit.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/.." && pwd)
build="$root/build-bench"
out=""
systems="wsedge haproxy"
duration=5
warmup=1
idle_wanted=4000

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --idle) idle_wanted=$2; shift 2 ;;
    --quick) duration=1; warmup=0.5; idle_wanted=500; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "compare_tls.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bench="$build/wsedge-bench"
echo_bin="$build/wsedge-echo-backend"
wsedge_bin="$build/wsedge"
for b in "$bench" "$echo_bin"; do
  [ -x "$b" ] || { echo "compare_tls.sh: $b missing (cmake --build $build --target wsedge wsedge-bench wsedge-echo-backend)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/wsedge-compare-tls.XXXXXX)
[ -n "$out" ] || out="$build/compare-tls-results"
mkdir -p "$out"
results="$out/results.tsv"
: > "$results"

install_cleanup

log() { echo "compare_tls: $*" >&2; }

set_pinning
raise_fd_limit
idle_n=$idle_wanted
[ "$idle_n" -gt $(( (hard - 2000) / 2 )) ] && idle_n=$(( (hard - 2000) / 2 ))

# --- certificates: self-signed, SAN 127.0.0.1 and localhost --------------------------
certs="$work/certs"
mkdir -p "$certs"
san="subjectAltName=DNS:localhost,IP:127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
  -addext "$san" -keyout "$certs/ec.key" -out "$certs/ec.crt" 2> "$work/openssl.err" || { cat "$work/openssl.err" >&2; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "$san" -keyout "$certs/rsa.key" -out "$certs/rsa.crt" 2>> "$work/openssl.err" || { cat "$work/openssl.err" >&2; exit 1; }
for k in ec rsa; do cat "$certs/$k.crt" "$certs/$k.key" > "$certs/$k.pem"; done

# --- echo backend ---------------------------------------------------------------------
start_echo_backend "$echo_bin" 1 || { log "echo backend did not start"; exit 1; }

probe() { probe_upgrade "$bench" "wss://127.0.0.1:$1/" 25 0.2; }

# Starts system $1 with certificate kind $2 (ec|rsa); sets sys_pid, sys_port.
start_system() {
  local name=$1 kind=$2 dir="$work/$1-$2"
  mkdir -p "$dir"
  sys_port=$(free_port)
  case "$name" in
    wsedge)
      [ -x "$wsedge_bin" ] || return 1
      cat > "$dir/wsedge.toml" <<EOF
[global]
workers = 1
log_level = "warn"
access_log = "off"
[[listeners]]
name = "bench"
address = "127.0.0.1:$sys_port"
  [listeners.tls]
  certificates = [{ cert = "$certs/$kind.crt", key = "$certs/$kind.key" }]
[[routes]]
pool = "echo"
[[pools]]
name = "echo"
  [[pools.servers]]
  name = "echo-1"
  address = "127.0.0.1:$backend_port"
EOF
      "${pin_proxy[@]}" "$wsedge_bin" -c "$dir/wsedge.toml" > "$dir/stdout" 2> "$dir/stderr" &
      ;;
    haproxy)
      command -v haproxy > /dev/null || return 1
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
  bind 127.0.0.1:$sys_port ssl crt $certs/$kind.pem
  default_backend echo
backend echo
  server echo-1 127.0.0.1:$backend_port
EOF
      "${pin_proxy[@]}" haproxy -db -f "$dir/haproxy.cfg" > "$dir/stdout" 2> "$dir/stderr" &
      ;;
    *) return 1 ;;
  esac
  sys_pid=$!
  pids+=("$sys_pid")
  if ! probe "$sys_port"; then
    log "$name ($kind) did not pass a wss upgrade: $(tail -3 "$dir/stderr")"
    stop_pid "$sys_pid"
    return 1
  fi
}

run_bench() {
  local port=$1 tag=$2; shift 2
  "${pin_load[@]}" "$bench" --url "wss://127.0.0.1:$port/" --label "$tag" "$@" > "$out/$tag.out" 2> "$out/$tag.err"
  grep -q '^SUMMARY ' "$out/$tag.out" || { log "$tag: no summary"; tail -3 "$out/$tag.err" >&2; }
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for name in $systems; do
  row=("$name")
  for kind in ec rsa; do
    if start_system "$name" "$kind"; then
      log "$name: full handshakes/s, $kind certificate"
      run_bench "$sys_port" "$name-hs-$kind" --mode connect --concurrency 32 --threads 1 \
        --duration "$duration" --warmup "$warmup" --cpu-pid "$sys_pid"
      row+=("$(field "$out/$name-hs-$kind.out" handshakes_per_s)" "$(field "$out/$name-hs-$kind.out" pid_cpu_us_per_hs)")
      if [ "$kind" = ec ]; then
        log "$name: relay over TLS, closed loop 4 KiB"
        run_bench "$sys_port" "$name-t4k" --mode closed --connections 64 --threads 1 --inflight 8 --size 4096 \
          --duration "$duration" --warmup "$warmup" --cpu-pid "$sys_pid"
        t4k=$(field "$out/$name-t4k.out" msgs_per_s); t4k_cpu=$(field "$out/$name-t4k.out" pid_cpu_us_per_msg)
        # Idle memory on a fresh process.
        stop_pid "$sys_pid"
        rss_per=""
        if start_system "$name" ec; then
          sleep 0.3
          before=$(rss_kb "$sys_pid")
          log "$name: $idle_n idle TLS WebSockets"
          "${pin_load[@]}" "$bench" --url "wss://127.0.0.1:$sys_port/" --label "$name-idle" --mode idle \
            --connections "$idle_n" --threads 1 --concurrency 64 --duration 120 > "$out/$name-idle.out" 2> "$out/$name-idle.err" &
          bpid=$!
          pids+=("$bpid")
          for _ in $(seq 900); do grep -q '^IDLE_READY' "$out/$name-idle.out" && break; sleep 0.1; done
          sleep 1
          after=$(rss_kb "$sys_pid")
          open=$(sed -n 's/^IDLE_READY open=\([0-9]*\).*/\1/p' "$out/$name-idle.out")
          stop_pid "$bpid"
          [ -n "$open" ] && [ "$open" -gt 0 ] && rss_per=$(( (after - before) * 1024 / open ))
          log "$name: RSS $before -> $after KiB with $open open"
        fi
      fi
      stop_pid "$sys_pid"
    else
      row+=("" "")
    fi
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${row[@]}" "${t4k:-}" "${t4k_cpu:-}" "${rss_per:-}" "${open:-}" >> "$results"
  t4k=""; t4k_cpu=""; rss_per=""; open=""
done
elapsed=$(( $(date +%s) - start ))

# --- table ------------------------------------------------------------------------------
{
  echo "> machine: $(nproc) CPUs, Linux $(uname -r), $(openssl version), $(haproxy -v 2>/dev/null | head -1 | awk '{print "HAProxy", $3}')"
  echo "> load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg); run took ${elapsed}s"
  echo "> handshakes: connect mode, 32 parallel, a new TCP+TLS connection each (no resumption), ${duration}s after ${warmup}s warm-up; relay: 64 connections x 8 in flight, 4 KiB, ECDSA certificate; idle: $idle_n TLS WebSockets on a fresh process"
  echo
  "$PY" - "$results" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def num(x):
    try: return float(x)
    except ValueError: return None
base = next((r for r in rows if r[0] == "haproxy"), None)
heads = ["system", "ECDSA P-256 hs/s", "CPU us/hs", "RSA 2048 hs/s", "CPU us/hs", "4 KiB msg/s over TLS", "CPU us/msg", "RSS B/idle TLS conn"]
cols = [1, 2, 3, 4, 5, 6, 7]
print("| " + " | ".join(heads) + " |")
print("|" + "---|" * len(heads))
for r in rows:
    cells = [r[0]]
    for c in cols:
        v = num(r[c]) if c < len(r) else None
        if v is None or v < 0:
            cells.append("n/a"); continue
        cell = "{:,.0f}".format(v) if c not in (6,) else "{:.2f}".format(v)
        b = num(base[c]) if base and r is not base and c < len(base) else None
        if b:
            cell += " ({:.2f}x)".format(v / b)
        cells.append(cell)
    print("| " + " | ".join(cells) + " |")
EOF
} > "$out/table.md"
cat "$out/table.md"
log "results in $out (took ${elapsed}s)"
