# Shared pieces of the benchmark scripts (bench/*.sh). Sourced, not run:
#   here=$(cd "$(dirname "$0")" && pwd); . "$here/lib.sh"
# Every process a script starts goes into `pids` and is stopped by PID on exit;
# nothing here ever signals a process by name.

# The Python used for helpers: Debian's, which has the Debian packages.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

pids=()
# Seconds/10 that cleanup gives each process between TERM and KILL.
cleanup_wait=20

# Stops every recorded process (TERM, then KILL after a grace period) and
# removes $work; the EXIT trap.
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq "$cleanup_wait"); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  pids=()
  rm -rf "$work"
}

# Installs cleanup on EXIT and turns INT/TERM into an exit (so cleanup runs);
# --exit-only leaves INT/TERM alone.
install_cleanup() {
  trap cleanup EXIT
  [ "${1:-}" = --exit-only ] || trap 'exit 130' INT TERM
}

# Stops one process we started, by PID, and forgets it.
stop_pid() {
  local p=$1 keep=() q
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  for q in "${pids[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  pids=("${keep[@]}")
}

# A loopback TCP port that was free a moment ago.
free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A summary field: "SUMMARY k=v k=v ..." in file $1 -> the value of key $2.
field() { grep '^SUMMARY ' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

# Resident set size of PID $1 in KiB (empty once it is gone).
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# User + system CPU seconds PID $1 has used so far.
cpu_s() { "$PY" -c "import os,sys; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }

# CPU pinning: the proxy on the last CPU, load generator and backend on CPU 0.
# Sets pin_proxy/pin_load (commands to prefix) and, when pinning, proxy_cpu and
# load_cpu; with fewer than two CPUs, or when $1 is "no", both stay empty.
# Returns 1 when it does not pin.
set_pinning() {
  pin_proxy=(); pin_load=()
  [ "${1:-yes}" != no ] && [ "$(nproc)" -ge 2 ] || return 1
  proxy_cpu=$(( $(nproc) - 1 )); load_cpu=0
  pin_proxy=(taskset -c "$proxy_cpu"); pin_load=(taskset -c "$load_cpu")
}

# Raises the soft fd limit to the hard one and sets `hard` to it (a number:
# "unlimited" counts as 1048576).
raise_fd_limit() {
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] && hard=1048576
  ulimit -n "$hard" 2>/dev/null
}

# Starts the echo backend $1 with $2 threads (pinned with pin_load), output in
# $work/echo.out, and records it; sets backend_port. Returns 1 if it did not
# print its LISTENING line within 5 s.
start_echo_backend() {
  "${pin_load[@]}" "$1" --port 0 --threads "$2" > "$work/echo.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q '^LISTENING' "$work/echo.out" && break; sleep 0.1; done
  backend_port=$(sed -n 's/^LISTENING .*:\([0-9]*\)$/\1/p' "$work/echo.out")
  [ -n "$backend_port" ]
}

# Tries one WebSocket upgrade with wsedge-bench $1 at URL $2, up to $3 times,
# $4 seconds apart; further arguments go to wsedge-bench (headers). Returns 0
# as soon as one upgrade passes.
probe_upgrade() {
  local bin=$1 url=$2 tries=$3 pause=$4; shift 4
  for _ in $(seq "$tries"); do
    "$bin" --url "$url" --mode idle --connections 1 --threads 1 --duration 0.05 \
      --handshake-timeout 1 "$@" 2>/dev/null | grep -q '^IDLE_READY open=1 ' && return 0
    sleep "$pause"
  done
  return 1
}

# Prints the one-listener, one-pool wsedge config the scripts use: listener on
# 127.0.0.1:$1, the echo backend at 127.0.0.1:$2, $3 workers; $4 is a balance
# policy ("" leaves the default) and $5 extra listener lines (TLS).
wsedge_toml() {
  local port=$1 backend=$2 workers=$3 balance=${4:-} listener_extra=${5:-}
  printf '[global]\nworkers = %s\nlog_level = "warn"\naccess_log = "off"\n' "$workers"
  printf '[[listeners]]\nname = "bench"\naddress = "127.0.0.1:%s"\n' "$port"
  [ -n "$listener_extra" ] && printf '%s\n' "$listener_extra"
  printf '[[routes]]\npool = "echo"\n[[pools]]\nname = "echo"\n'
  [ -n "$balance" ] && printf 'balance = "%s"\n' "$balance"
  printf '  [[pools.servers]]\n  name = "echo-1"\n  address = "127.0.0.1:%s"\n' "$backend"
}
