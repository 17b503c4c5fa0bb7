#!/usr/bin/env bash
# Drives Debian's headless Chromium through the pages wsd serves (/docs and
# /admin) with every request to another host blocked and counted as a
# failure; screenshots go to build/browser/. test/browser/browser_test.mjs
# holds the checks; puppeteer-core is pinned by test/browser/package-lock.json
# and installed with `npm ci` under build/browser-test/.
# Usage: scripts/lib/browser_test.sh [BINARY]     (default: build/asan/wsd)
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$script_dir/common.sh"
# shellcheck source=proc.sh
source "$script_dir/proc.sh"

root=$(repo_root)
binary=${1:-$root/build/asan/wsd}
[[ -x $binary ]] || die "browser test: no server binary at $binary (build it first)"
config_dir=$root/test/browser
tools_dir=$root/build/browser-test
shots_dir=$root/build/browser
chromium=${WSD_CHROMIUM:-/usr/bin/chromium}
started=$SECONDS

install_driver() {
  [[ -x $chromium ]] || die "browser test: no Chromium at $chromium (apt-get install chromium)"
  # The stamp is written last: an interrupted install is redone next time.
  if cmp -s -- "$config_dir/package-lock.json" "$tools_dir/installed.lock"; then
    return 0
  fi
  log "installing the pinned puppeteer-core in $tools_dir"
  rm -rf -- "$tools_dir"
  mkdir -p -- "$tools_dir"
  cp -- "$config_dir/package.json" "$config_dir/package-lock.json" "$tools_dir/"
  # puppeteer-core downloads no browser; no install script needs to run.
  (cd -- "$tools_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
    die "browser test: npm ci failed"
  cp -- "$config_dir/package-lock.json" "$tools_dir/installed.lock"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/wsd-browser-test.XXXXXX")
server_pid=
url=
password=
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

# Starts the server in $work on an ephemeral port; sets server_pid, url and password.
start_server() {
  # Clang 14's sanitizers cannot map their shadow memory with the high ASLR
  # entropy of newer kernels (as in scripts/test).
  local -a prefix=()
  local rnd_bits secret
  rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)
  if ((rnd_bits > 28)) && setarch "$(uname -m)" -R true 2>/dev/null; then
    prefix=(setarch "$(uname -m)" -R)
  fi
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (
    cd -- "$work"
    while read -r name; do unset "$name"; done < <(compgen -e | grep '^WSD_' || true)
    export WSD_JWT_SECRET=$secret WSD_ADMIN_PASSWORD=$password
    exec "${prefix[@]}" "$binary" --host 127.0.0.1 --port 0 --db "sqlite3://db=$work/wsd.db" \
      --set log.access=false >"$work/out" 2>"$work/err"
  ) &
  server_pid=$!

  url=$(proc_wait_listening "$server_pid" "$work/out") || {
    show_server_output
    die "browser test: the server did not print its address"
  }
}

# SIGTERM, then the exit status must be 0 with no sanitizer report.
stop_server() {
  local -r pid=$server_pid
  server_pid=
  proc_stop_clean "$pid" "$work/err" || {
    show_server_output
    die "browser test: the server did not stop cleanly"
  }
}

install_driver
start_server
mkdir -p -- "$shots_dir"
status=0
WSD_URL=$url WSD_ADMIN_PASSWORD=$password \
  WSD_CHROMIUM=$chromium WSD_SHOTS=$shots_dir WSD_PROFILE=$work/profile WSD_DRIVER_DIR=$tools_dir \
  node "$config_dir/browser_test.mjs" >&2 || status=1
stop_server
((status == 0)) || die "browser test: failed (above); screenshots in $shots_dir"
log "browser test: /docs and /admin pass, nothing left the origin ($((SECONDS - started)) s)"
