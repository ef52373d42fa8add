#!/usr/bin/env bash
# Cost of the handshake policy chain: handshakes per second through one wsedge
# process (workers = 1) on routes with no policy, Origin only, Origin + HS256
# JWT, Origin + RS256 and Origin + ES256 (token in the Authorization header).
# Loopback only. See docs/benchmarks.md (policy section).
#
#   bench/compare_policy.sh [--build-dir DIR] [--out DIR] [--duration S] [--rounds N] [--quick]
#
# All five routes live in the same wsedge process (path prefixes /none,
# /origin, /hs256, /rs256, /es256), and the rounds alternate between them, so
# a change in the machine's load hits every configuration alike. Every client
# request carries the same Origin and an Authorization header (the token of
# its route; the unauthenticated routes get the HS256 one), so request sizes
# match. Keys come from the openssl CLI, tokens from /usr/bin/python3 + PyJWT.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build="$here/../build-bench"
out=""
duration=3
warmup=0.5
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --quick) duration=1; warmup=0.2; rounds=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "compare_policy.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out="$build/compare-policy-results"
mkdir -p "$out"
PY=/usr/bin/python3
"$PY" -c 'import jwt, cryptography' 2> /dev/null || { echo "compare_policy.sh: needs /usr/bin/python3 with python3-jwt and python3-cryptography" >&2; exit 2; }
work=$(mktemp -d /tmp/wsedge-compare-policy.XXXXXX)
install_cleanup
log() { echo "compare_policy: $*" >&2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
set_pinning

# --- keys and tokens ------------------------------------------------------------------------
k="$work/keys"
mkdir -p "$k"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/rsa.key" 2> /dev/null
openssl pkey -in "$k/rsa.key" -pubout -out "$k/rsa.pub"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/ec.key" 2> /dev/null
openssl pkey -in "$k/ec.key" -pubout -out "$k/ec.pub"
secret="bench-hs256-secret-0123456789abcdef0123456789"
"$PY" - "$k" "$secret" <<'EOF'
import sys, time, jwt
d, secret = sys.argv[1], sys.argv[2]
claims = {"sub": "bench", "iat": int(time.time()), "exp": int(time.time()) + 3600}
open(d + "/hs256.jwt", "w").write(jwt.encode(claims, secret, algorithm="HS256"))
open(d + "/rs256.jwt", "w").write(jwt.encode(claims, open(d + "/rsa.key").read(), algorithm="RS256"))
open(d + "/es256.jwt", "w").write(jwt.encode(claims, open(d + "/ec.key").read(), algorithm="ES256"))
EOF
origin="https://app.bench.example"

# --- backend and wsedge ----------------------------------------------------------------------
start_echo_backend "$build/wsedge-echo-backend" 1 || { log "echo backend did not start"; exit 1; }
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
path_prefix = "/none"
pool = "echo"
[[routes]]
path_prefix = "/origin"
pool = "echo"
allowed_origins = ["$origin"]
require_origin = true
[[routes]]
path_prefix = "/hs256"
pool = "echo"
allowed_origins = ["$origin"]
require_origin = true
auth = "hs"
[[routes]]
path_prefix = "/rs256"
pool = "echo"
allowed_origins = ["$origin"]
require_origin = true
auth = "rs"
[[routes]]
path_prefix = "/es256"
pool = "echo"
allowed_origins = ["$origin"]
require_origin = true
auth = "es"
[auth.hs]
type = "jwt"
algorithms = ["HS256"]
secret = "$secret"
[auth.rs]
type = "jwt"
algorithms = ["RS256"]
public_key_file = "$k/rsa.pub"
[auth.es]
type = "jwt"
algorithms = ["ES256"]
public_key_file = "$k/ec.pub"
[[pools]]
name = "echo"
  [[pools.servers]]
  name = "echo-1"
  address = "127.0.0.1:$backend_port"
EOF
"${pin_proxy[@]}" "$build/wsedge" -c "$work/wsedge.toml" > "$work/wsedge.out" 2>&1 &
wpid=$!
pids+=("$wpid")

configs="none origin hs256 rs256 es256"
token_for() { case "$1" in rs256|es256) cat "$k/$1.jwt" ;; *) cat "$k/hs256.jwt" ;; esac; }
# Every route must pass a handshake before measuring (a 401/403 would measure rejections).
for c in $configs; do
  probe_upgrade "$build/wsedge-bench" "ws://127.0.0.1:$port/$c" 25 0.2 \
    --header "Origin: $origin" --header "Authorization: Bearer $(token_for "$c")" || { log "route /$c does not pass an upgrade"; cat "$work/wsedge.out" >&2; exit 1; }
done
# And the checks really run: a wrong origin is refused (403), a bad token too (401).
"$build/wsedge-bench" --url "ws://127.0.0.1:$port/origin" --mode idle --connections 1 --threads 1 --duration 0.05 \
  --handshake-timeout 1 --header "Origin: https://evil.example" 2>/dev/null | grep -q '^IDLE_READY open=0 ' \
  || { log "/origin accepted a foreign Origin: the policy is not in force"; exit 1; }
"$build/wsedge-bench" --url "ws://127.0.0.1:$port/es256" --mode idle --connections 1 --threads 1 --duration 0.05 \
  --handshake-timeout 1 --header "Origin: $origin" --header "Authorization: Bearer $(cat "$k/hs256.jwt")" 2>/dev/null \
  | grep -q '^IDLE_READY open=0 ' || { log "/es256 accepted an HS256 token: the policy is not in force"; exit 1; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
: > "$out/results.tsv"
for r in $(seq "$rounds"); do
  for c in $configs; do
    log "round $r: /$c"
    "${pin_load[@]}" "$build/wsedge-bench" --url "ws://127.0.0.1:$port/$c" --label "$c-$r" --mode connect \
      --concurrency 32 --threads 1 --duration "$duration" --warmup "$warmup" --cpu-pid "$wpid" \
      --header "Origin: $origin" --header "Authorization: Bearer $(token_for "$c")" > "$out/$c-$r.out" 2> "$out/$c-$r.err"
    printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$r" "$(field "$out/$c-$r.out" handshakes_per_s)" \
      "$(field "$out/$c-$r.out" pid_cpu_us_per_hs)" "$(field "$out/$c-$r.out" handshake_failures)" >> "$out/results.tsv"
  done
done
elapsed=$(( $(date +%s) - start ))
{
  echo "> load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg); run took ${elapsed}s"
  echo "> connect mode, 32 parallel, new TCP connection per handshake, ${duration}s after ${warmup}s warm-up; $rounds rounds alternating the routes; median of the rounds"
  echo
  "$PY" - "$out/results.tsv" <<'EOF'
import sys, statistics
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
order, by = [], {}
for name, _, hs, cpu, fails in rows:
    if name not in by:
        order.append(name); by[name] = []
    by[name].append((float(hs or 0), float(cpu or -1), int(fails or 0)))
base = by.get("none")
bhs = statistics.median(h for h, _, _ in base) if base else None
bcpu = statistics.median(c for _, c, _ in base) if base else None
labels = {"none": "no policy", "origin": "Origin only", "hs256": "Origin + HS256 JWT",
          "rs256": "Origin + RS256 JWT", "es256": "Origin + ES256 JWT"}
print("| route | handshakes/s (median) | each round | vs no policy | proxy CPU us/handshake | vs no policy | failures |")
print("|---|---|---|---|---|---|---|")
for n in order:
    hs = statistics.median(h for h, _, _ in by[n]); cpu = statistics.median(c for _, c, _ in by[n])
    rounds = ", ".join("{:,.0f}".format(h) for h, _, _ in by[n])
    print("| {} | {:,.0f} | {} | {:+.1f} % | {:.1f} | {:+.1f} % | {} |".format(labels.get(n, n), hs, rounds,
          (hs / bhs - 1) * 100 if bhs else 0, cpu, (cpu / bcpu - 1) * 100 if bcpu else 0, sum(f for _, _, f in by[n])))
EOF
} > "$out/table.md"
cat "$out/table.md"
log "results in $out"
