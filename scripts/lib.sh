# Shared by scripts/demo.sh and scripts/test.sh: install what is missing on
# Debian 12, install the Node test peers, configure and build.
# Source it; it expects ROOT (the repository) to be set.

# Debian packages the build, the tests and the demo need.
WSEDGE_APT_PACKAGES=(
  cmake make g++ pkg-config
  libevent-dev libssl-dev libtomlplusplus-dev libjemalloc-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev
  python3 python3-websockets python3-pytest python3-jwt
  procps ca-certificates
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $*"
  fi
}

_apt_updated=0
apt_install() {
  [ "$#" -gt 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing $*, and this is not a Debian system: install them by hand"
  if [ "$_apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    _apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

pkg_missing() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" != "install ok installed" ]
}

# install_missing [extra packages...]: every package of the list that is not
# installed yet, with a single apt-get update first and only when needed.
install_missing() {
  local missing=() p
  for p in "${WSEDGE_APT_PACKAGES[@]}" "$@"; do
    if command -v dpkg-query >/dev/null 2>&1; then
      pkg_missing "$p" && missing+=("$p")
    fi
  done
  # Node may come from Debian (nodejs + npm) or from a vendor package that
  # bundles npm: look for the commands, not the package names.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  else
    log "all build and test packages are present"
  fi
}

# The Node `ws` peers of integration/ (pinned by package-lock.json).
install_node_modules() {
  if [ ! -d "$ROOT/integration/node_modules/ws" ]; then
    log "npm ci in integration/"
    (cd "$ROOT/integration" && npm ci --no-audit --no-fund --loglevel=error) \
      || die "npm ci failed in integration/"
  fi
}

build_jobs() { nproc 2>/dev/null || echo 2; }

# build DIR CMAKE_ARGS...: configure and build DIR (every target, or only
# $BUILD_TARGET when set).
build() {
  local dir="$1"; shift
  local target=()
  [ -n "${BUILD_TARGET:-}" ] && target=(--target "$BUILD_TARGET")
  log "configure $dir ($*)"
  cmake -S "$ROOT" -B "$ROOT/$dir" "$@" >"$ROOT/$dir.cmake.log" 2>&1 \
    || { cat "$ROOT/$dir.cmake.log" >&2; die "cmake configure failed for $dir"; }
  rm -f "$ROOT/$dir.cmake.log"
  log "build $dir"
  cmake --build "$ROOT/$dir" -j"$(build_jobs)" "${target[@]}" || die "build failed in $dir"
}
