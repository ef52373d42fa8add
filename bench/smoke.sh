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
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

work=$(mktemp -d /tmp/wsedge-bench-smoke.XXXXXX)
install_cleanup --exit-only

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

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

pin_load=()  # the smoke runs unpinned
if ! start_echo_backend "$echo_bin" 2; then
  echo "FAIL: echo backend did not start"; cat "$work/echo.out"; exit 1
fi
echo "echo backend on 127.0.0.1:$backend_port"
run_all_modes direct "$backend_port"

if [ -n "$wsedge_bin" ] && [ -x "$wsedge_bin" ]; then
  port=$(free_port)
  wsedge_toml "$port" "$backend_port" 1 round_robin > "$work/wsedge.toml"
  "$wsedge_bin" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
  pids+=($!)
  if probe_upgrade "$bench" "ws://127.0.0.1:$port/" 15 0.2; then
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
