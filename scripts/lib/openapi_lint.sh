#!/usr/bin/env bash
# Lints the /openapi.json that the built server really serves with Redocly
# CLI (recommended rules) and Spectral (spectral:oas), at the versions pinned
# in test/openapi/package-lock.json; any error or warning fails.
# Usage: scripts/lib/openapi_lint.sh [BINARY]     (default: build/asan/wsd)
# The linters are installed with `npm ci` under build/openapi-lint/ and kept
# while the lockfile is unchanged, so a rerun costs only the lint itself.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$script_dir/common.sh"
# shellcheck source=proc.sh
source "$script_dir/proc.sh"

root=$(repo_root)
binary=${1:-$root/build/asan/wsd}
[[ -x $binary ]] || die "openapi lint: no server binary at $binary (build it first)"
config_dir=$root/test/openapi
tools_dir=$root/build/openapi-lint
started=$SECONDS

# Redocly CLI would otherwise report usage and look for updates over the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

install_linters() {
  if ! command -v npm >/dev/null 2>&1; then
    WSD_PACKAGES=(nodejs npm)
    ensure_packages
  fi
  # The stamp is written last: an interrupted install is redone next time.
  if cmp -s -- "$config_dir/package-lock.json" "$tools_dir/installed.lock"; then
    return 0
  fi
  log "installing the pinned OpenAPI linters in $tools_dir"
  rm -rf -- "$tools_dir"
  mkdir -p -- "$tools_dir"
  cp -- "$config_dir/package.json" "$config_dir/package-lock.json" "$tools_dir/"
  # --ignore-scripts: no dependency's install script runs (one only reports usage).
  (cd -- "$tools_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
    die "openapi lint: npm ci failed"
  cp -- "$config_dir/package-lock.json" "$tools_dir/installed.lock"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/wsd-openapi-lint.XXXXXX")
server_pid=
url=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf -- "$work"
}
trap cleanup EXIT

show_server_output() {
  printf -- '--- server stderr ---\n' >&2
  tail -n 40 -- "$work/err" >&2 || true
}

# Starts the server in $work on an ephemeral port; sets server_pid and url.
start_server() {
  # Clang 14's sanitizers cannot map their shadow memory with the high ASLR
  # entropy of newer kernels (as in scripts/test).
  local -a prefix=()
  local rnd_bits
  rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)
  if ((rnd_bits > 28)) && setarch "$(uname -m)" -R true 2>/dev/null; then
    prefix=(setarch "$(uname -m)" -R)
  fi
  local secret password
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (
    cd -- "$work"
    # The caller's WSD_* settings must not change the document under test.
    while read -r name; do unset "$name"; done < <(compgen -e | grep '^WSD_' || true)
    export WSD_JWT_SECRET=$secret WSD_ADMIN_PASSWORD=$password
    exec "${prefix[@]}" "$binary" --host 127.0.0.1 --port 0 --db "sqlite3://db=$work/wsd.db" \
      >"$work/out" 2>"$work/err"
  ) &
  server_pid=$!

  url=$(proc_wait_listening "$server_pid" "$work/out") || {
    show_server_output
    die "openapi lint: the server did not print its address"
  }
}

# SIGTERM, then the exit status must be 0 with no sanitizer report.
stop_server() {
  local -r pid=$server_pid
  server_pid=
  proc_stop_clean "$pid" "$work/err" || {
    show_server_output
    die "openapi lint: the server did not stop cleanly"
  }
}

install_linters
start_server
curl -fsS --max-time 30 -o "$work/openapi.json" -- "$url/openapi.json" ||
  die "openapi lint: GET $url/openapi.json failed"
stop_server

bin=$tools_dir/node_modules/.bin
status=0
log "redocly lint (recommended) on /openapi.json"
if ! (cd -- "$work" && "$bin/redocly" lint --config "$config_dir/redocly.yaml" openapi.json) \
  >"$work/redocly.log" 2>&1; then
  status=1
fi
cat -- "$work/redocly.log" >&2
# Redocly exits 0 when it finds only warnings; they count here too.
grep -q -E '^You have [0-9]+ warnings?' -- "$work/redocly.log" && status=1

log "spectral lint (spectral:oas) on /openapi.json"
(cd -- "$work" && "$bin/spectral" lint --ruleset "$config_dir/spectral.yaml" \
  --fail-severity=warn openapi.json) >&2 || status=1

((status == 0)) || die "openapi lint: /openapi.json has problems (above)"
log "openapi lint: no errors, no warnings ($((SECONDS - started)) s)"
