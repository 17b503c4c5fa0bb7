#!/usr/bin/env bash
# Process helpers for scripts that start wsd and nginx in the background
# (scripts/cluster, scripts/lib/ops.sh). Source this file; it defines functions
# only. Functions report failure through their return status and never exit
# the caller's shell.

# A zombie still answers kill -0, so look at the process state instead.
proc_alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# proc_stop PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 15);
# reaps the process if it is a child of this shell.
proc_stop() {
  local -r pid=$1 seconds=${2:-15}
  local tries
  if proc_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((tries = 0; tries < seconds * 10; ++tries)); do
      proc_alive "$pid" || break
      sleep 0.1
    done
    if proc_alive "$pid"; then
      printf 'pid %s ignored SIGTERM for %s s; killing it\n' "$pid" "$seconds" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# A TCP port of 127.0.0.1 that nothing listens on at the moment.
proc_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' && return 0
  fi
  local port tries
  for ((tries = 0; tries < 200; ++tries)); do
    port=$((20000 + RANDOM % 40000))
    if ! proc_port_open "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

# Whether something accepts connections on 127.0.0.1:PORT.
proc_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wsd_start BIN DIR NAME [ARGS...]: starts wsd in DIR (so that no conf/wsd.json
# of the caller's cwd is picked up) on an ephemeral port of 127.0.0.1, stdout
# to DIR/NAME.log and stderr to DIR/NAME.err, and waits for its listening
# line. Sets wsd_pid and wsd_url. The environment passes through (secrets).
# shellcheck disable=SC2034 # wsd_pid and wsd_url are for the caller
wsd_start() {
  local -r bin=$1 dir=$2 name=$3
  shift 3
  local -r out=$dir/$name.log err=$dir/$name.err
  (cd -- "$dir" && exec "$bin" --host 127.0.0.1 --port 0 "$@") >"$out" 2>"$err" &
  wsd_pid=$!
  wsd_url=
  local tries line
  for ((tries = 0; tries < 600; ++tries)); do
    line=$(grep -m 1 -o 'wsd listening on http://[^[:space:]]*' -- "$out" 2>/dev/null || true)
    if [[ -n $line ]]; then
      wsd_url=${line#wsd listening on }
      return 0
    fi
    if ! proc_alive "$wsd_pid"; then
      printf '%s: wsd exited before listening:\n' "$name" >&2
      tail -n 20 -- "$out" "$err" >&2
      wait "$wsd_pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  printf '%s: wsd did not print its listening line within 60 s\n' "$name" >&2
  tail -n 20 -- "$out" "$err" >&2
  proc_stop "$wsd_pid"
  return 1
}

# wsd_login URL USERNAME PASSWORD: prints an access token.
wsd_login() {
  local -r url=$1 user=$2 password=$3
  local body token
  body=$(python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' \
    "$user" "$password") || return 1
  token=$(curl -fsS -X POST "$url/api/auth/login" -H 'Content-Type: application/json' \
    --data-binary "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p') || return 1
  [[ -n $token ]] || return 1
  printf '%s\n' "$token"
}

# proc_wait_listening PID OUT: once PID printed `wsd listening on URL` to the
# file OUT, prints URL; fails after 60 s or when PID exits first.
proc_wait_listening() {
  local -r pid=$1 out=$2
  local line deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    line=$(grep -m1 -o 'wsd listening on http://[^[:space:]]*' -- "$out" 2>/dev/null || true)
    if [[ -n $line ]]; then
      printf '%s\n' "${line#wsd listening on }"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# proc_stop_clean PID ERR: SIGTERM, then PID must exit with status 0 within
# 30 s and leave no sanitizer report in the file ERR; says why not on stderr.
proc_stop_clean() {
  local -r pid=$1 err=$2
  local deadline=$((SECONDS + 30)) status=0
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    printf 'the server did not stop within 30 s of SIGTERM\n' >&2
    return 1
  fi
  wait "$pid" || status=$?
  if ((status != 0)) || grep -q -E 'Sanitizer|runtime error:' -- "$err"; then
    printf 'the server exited with status %s\n' "$status" >&2
    return 1
  fi
}
