#!/usr/bin/env bash
# README command 2: install what is missing, build Release in build/ and run
# every test (unit, fuzz smoke, integration, bench smoke); then the same under
# ASan+UBSan in build-asan/. Exits non-zero if anything fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib.sh"

install_missing docker-compose
install_node_modules

status=0
summaries=()

run_ctest() {
  local dir="$1" out
  out="$ROOT/$dir/ctest.log"
  log "ctest in $dir"
  (cd "$ROOT/$dir" && ctest --output-on-failure --timeout 600 -j"$(build_jobs)") 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  summaries+=("$dir: $(grep -E 'tests passed|tests failed' "$out" | tail -1)")
  [ "$rc" -eq 0 ] || status=1
}

build build -DCMAKE_BUILD_TYPE=Release
run_ctest build

# -O1 -g1: sanitizer reports keep file:line, and the build takes half the time of -O2 -g.
build build-asan -DCMAKE_BUILD_TYPE=None "-DCMAKE_CXX_FLAGS=-O1 -g1" -DWSEDGE_SANITIZE=ON -DWSEDGE_BUILD_BENCH=OFF
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
run_ctest build-asan

if command -v docker-compose >/dev/null 2>&1; then
  log "docker-compose config -q"
  if (cd "$ROOT" && docker-compose -f docker-compose.yml config -q); then
    summaries+=("docker-compose.yml: valid")
  else
    summaries+=("docker-compose.yml: INVALID"); status=1
  fi
else
  summaries+=("docker-compose.yml: not checked (docker-compose missing)")
fi

echo
log "summary"
printf '  %s\n' "${summaries[@]}"
[ "$status" -eq 0 ] && log "all green" || log "FAILED"
exit "$status"
