#!/usr/bin/env bash
# Shared helpers for the scripts in scripts/. Source this file; it defines
# functions only and changes no shell options of the caller.

# Everything scripts/run and scripts/test need on Debian 12 (the last lines:
# the deployment checks of scripts/lib/ops.sh; the browser tests and the
# build's fetch of Swagger UI).
WSD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev libsoci-dev libsqlite3-dev libpq-dev
  doctest-dev libssl-dev libargon2-dev libdeflate-dev libbrotli-dev libbenchmark-dev postgresql-15
  curl wrk nginx
  prometheus systemd dpkg-dev adduser python3-yaml
  chromium
)
# Node.js and npm may come from elsewhere than Debian (a newer release);
# Debian's are installed only when there is no npm at all.
WSD_NODE_PACKAGES=(nodejs npm)

# Absolute path of the repository, whatever the caller's cwd.
repo_root() {
  local here
  here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
  (cd -- "$here/../.." && pwd -P)
}

log() {
  printf '==> %s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

package_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

missing_packages() {
  local pkg
  for pkg in "${WSD_PACKAGES[@]}"; do
    package_installed "$pkg" || printf '%s\n' "$pkg"
  done
  command -v npm >/dev/null 2>&1 || printf '%s\n' "${WSD_NODE_PACKAGES[@]}"
}

# Installs only what is missing, so a second call does nothing. Recommends
# stay on: clang needs them for its sanitizer runtimes (libclang-rt-14-dev).
ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "dpkg-query not found: not a Debian system, assuming dependencies are installed"
    return 0
  fi
  local -a missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  local -a elevate=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      elevate=(sudo)
    else
      die "missing packages and neither root nor sudo available; as root run:
  apt-get install -y ${missing[*]}"
    fi
  fi

  log "installing missing packages: ${missing[*]}"
  "${elevate[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed"
  "${elevate[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
}

# Configures and builds one of the CMakePresets.json presets (build/NAME).
# build_preset PRESET [TARGET...]: configure and build (all targets by default).
build_preset() {
  local -r preset=$1
  shift
  local targets=()
  (($# > 0)) && targets=(--target "$@")
  local werror=OFF
  [[ ${CI:-} == true ]] && werror=ON
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  mkdir -p -- "$CCACHE_DIR"

  local root
  root=$(repo_root)
  log "building preset '$preset' (WSD_WERROR=$werror)"
  (
    cd -- "$root" &&
      cmake --preset "$preset" -DWSD_WERROR="$werror" &&
      cmake --build --preset "$preset" "${targets[@]}"
  ) || die "build of preset '$preset' failed"
  ccache -s || true
}
