#!/usr/bin/env bash
# README command 1: install what is missing, build Release in build/, start two
# demo echo backends (Python on 127.0.0.1:9001, Node on 127.0.0.1:9002) and
# wsedge on conf/wsedge.toml (listener 0.0.0.0:8080). Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib.sh"

install_missing
install_node_modules
BUILD_TARGET=wsedge build build -DCMAKE_BUILD_TYPE=Release

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
RUN="$ROOT/.run"
mkdir -p "$RUN"
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo
  log "stopping"
  local i
  # wsedge first (graceful drain on SIGTERM), then the backends.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  log "stopped"
}
trap stop_all INT TERM EXIT

wait_port() { # wait_port PORT PID NAME
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || die "$3 exited at start (see $RUN/$3.log)"
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$3 is not listening on port $1 (see $RUN/$3.log)"
}

"$PY" "$ROOT/integration/peers/echo_server.py" --port 9001 >"$RUN/echo-python.log" 2>&1 &
pids+=($!)
node "$ROOT/integration/peers/node_echo.js" --port 9002 >"$RUN/echo-node.log" 2>&1 &
pids+=($!)
wait_port 9001 "${pids[0]}" echo-python
wait_port 9002 "${pids[1]}" echo-node

log "wsedge -c conf/wsedge.toml (logs: JSON lines below)"
(cd "$ROOT" && exec "$ROOT/build/wsedge" -c conf/wsedge.toml) &
pids+=($!)
wait_port 8080 "${pids[2]}" wsedge

cat <<MSG

  wsedge is listening on ws://127.0.0.1:8080/ in front of two echo backends:
    echo-1  127.0.0.1:9001  Python websockets
    echo-2  127.0.0.1:9002  Node ws          (round robin)

  Talk to it interactively (type a line, get it back):
    $PY -m websockets ws://127.0.0.1:8080/chat

  Or in one go:
    $PY -c 'import asyncio, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:8080/chat") as ws:
        await ws.send("hello"); print(await ws.recv())
asyncio.run(main())'

  Each finished connection prints one access-log line below. Ctrl-C stops everything.

MSG
wait "${pids[2]}" || true
