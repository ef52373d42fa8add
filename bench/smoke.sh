#!/usr/bin/env bash
# CI smoke of the benchmark tools: seconds long, tiny numbers, no performance
# thresholds. It checks that the echo backend starts, that every wsedge-bench
# mode runs against it and prints a SUMMARY line that parses with traffic in
# it, and, when the wsedge binary passes a WebSocket upgrade, the same through
# wsedge.
#
#   bench/smoke.sh WSEDGE_BENCH WSEDGE_ECHO_BACKEND [WSEDGE]
set -uo pipefail

bench=${1:?usage: smoke.sh WSEDGE_BENCH WSEDGE_ECHO_BACKEND [WSEDGE]}
echo_bin=${2:?usage: smoke.sh WSEDGE_BENCH WSEDGE_ECHO_BACKEND [WSEDGE]}
wsedge_bin=${3:-}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

work=$(mktemp -d /tmp/wsedge-bench-smoke.XXXXXX)
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

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A summary field: "SUMMARY k=v k=v ..." -> v for k.
field() { grep '^SUMMARY ' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

# Runs one mode; checks the summary parses and `key` is above zero.
check_run() {
  local tag=$1 port=$2 key=$3; shift 3
  if ! timeout 30 "$bench" --url "ws://127.0.0.1:$port/smoke" --label "$tag" "$@" > "$work/$tag.out" 2> "$work/$tag.err"; then
    fail "$tag: wsedge-bench exited with an error"; cat "$work/$tag.err"; return
  fi
  local line
  line=$(grep '^SUMMARY ' "$work/$tag.out")
  if [ -z "$line" ]; then
    fail "$tag: no SUMMARY line"; cat "$work/$tag.out"; return
  fi
  # Every token after SUMMARY is key=value with no empty value.
  if echo "$line" | tr ' ' '\n' | tail -n +2 | grep -qvE '^[a-z0-9_]+=[^ =]+$'; then
    fail "$tag: summary does not parse: $line"; return
  fi
  local value
  value=$(field "$work/$tag.out" "$key")
  if ! awk -v v="$value" 'BEGIN { exit !(v + 0 > 0) }'; then
    fail "$tag: $key=$value"; cat "$work/$tag.out"; return
  fi
  echo "ok   $tag: $key=$value"
}

run_all_modes() {
  local prefix=$1 port=$2
  check_run "$prefix-closed" "$port" received --mode closed --connections 4 --threads 2 --inflight 2 \
    --size 100 --duration 1 --warmup 0.2
  check_run "$prefix-closed-64k" "$port" received --mode closed --connections 2 --threads 1 --inflight 1 \
    --size 70000 --duration 0.5 --warmup 0.1 --text
  check_run "$prefix-open" "$port" received --mode open --connections 4 --threads 1 --rate 500 --size 32 \
    --duration 1 --warmup 0.2
  check_run "$prefix-connect" "$port" handshakes --mode connect --concurrency 2 --threads 1 --header "Origin: http://smoke" \
    --duration 0.5 --warmup 0.1
  check_run "$prefix-idle" "$port" received --mode idle --connections 20 --threads 2 --duration 0.3 --echo-check 3
}

"$echo_bin" --port 0 --threads 2 > "$work/echo.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q '^LISTENING' "$work/echo.out" && break; sleep 0.1; done
backend_port=$(sed -n 's/^LISTENING .*:\([0-9]*\)$/\1/p' "$work/echo.out")
if [ -z "$backend_port" ]; then
  echo "FAIL: echo backend did not start"; cat "$work/echo.out"; exit 1
fi
echo "echo backend on 127.0.0.1:$backend_port"
run_all_modes direct "$backend_port"

if [ -n "$wsedge_bin" ] && [ -x "$wsedge_bin" ]; then
  port=$(free_port)
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
balance = "round_robin"
  [[pools.servers]]
  name = "echo-1"
  address = "127.0.0.1:$backend_port"
EOF
  "$wsedge_bin" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
  pids+=($!)
  passes=0
  for _ in $(seq 15); do
    if "$bench" --url "ws://127.0.0.1:$port/" --mode idle --connections 1 --threads 1 --duration 0.05 \
         --handshake-timeout 1 2>/dev/null | grep -q '^IDLE_READY open=1 '; then
      passes=1; break
    fi
    sleep 0.2
  done
  if [ "$passes" = 1 ]; then
    run_all_modes wsedge "$port"
  else
    echo "skip wsedge: it does not pass a WebSocket upgrade yet"
  fi
else
  echo "skip wsedge: no binary"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "bench smoke passed"
