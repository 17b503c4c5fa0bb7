#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for the integration tests. Source this file,
# then call pg_start and, on exit, pg_stop. Functions report failure through
# their return status and never exit the caller's shell.

WSD_PG_BIN_DEFAULT=/usr/lib/postgresql/15/bin

# initdb and postgres refuse to run as root, so root runs them as `postgres`.
_pg_owner_prefix() {
  if ((EUID == 0)); then
    printf 'runuser -u postgres --'
  fi
}

_pg_as_owner() {
  local -a prefix
  read -r -a prefix <<<"$(_pg_owner_prefix)"
  # cwd may be unreadable for the owner (e.g. /root); use the cluster's dir.
  (cd -- "$_WSD_PG_BASE" && "${prefix[@]}" "$@")
}

_pg_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' && return 0
  fi
  local port tries
  for ((tries = 0; tries < 200; ++tries)); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

_pg_fail() {
  printf 'pg_start: %s\n' "$1" >&2
  if [[ -n ${_WSD_PG_BASE:-} && -f $_WSD_PG_BASE/pg.log ]]; then
    printf -- '--- last lines of %s ---\n' "$_WSD_PG_BASE/pg.log" >&2
    tail -n 30 -- "$_WSD_PG_BASE/pg.log" >&2
  fi
  pg_stop
  return 1
}

# The variables pg_start exports for the tests (WSD_TEST_PG_BIN, which
# chooses the binaries, is an input and stays).
_pg_forget() {
  unset WSD_TEST_PG WSD_TEST_PG_DATA WSD_TEST_PG_PORT WSD_TEST_PG_LOG \
    WSD_TEST_PG_START_OPTS WSD_TEST_PG_CTL
}

# Starts the cluster and exports WSD_TEST_PG* for the tests. Whatever it
# returns, no WSD_TEST_PG* inherited from the caller's environment survives:
# the tests must never run against, nor the outage tests stop, a cluster
# this script did not start.
pg_start() {
  _pg_forget
  local -r bin=${WSD_TEST_PG_BIN:-$WSD_PG_BIN_DEFAULT}
  [[ -x $bin/initdb && -x $bin/pg_ctl ]] || {
    printf 'pg_start: PostgreSQL 15 binaries not found in %s\n' "$bin" >&2
    return 1
  }
  if ((EUID == 0)) && ! id postgres >/dev/null 2>&1; then
    printf 'pg_start: running as root but there is no postgres user\n' >&2
    return 1
  fi
  pg_stop

  _WSD_PG_BASE=$(mktemp -d /tmp/wsd-pg.XXXXXX) || {
    printf 'pg_start: mktemp failed\n' >&2
    return 1
  }
  local -r data=$_WSD_PG_BASE/data
  local -r logfile=$_WSD_PG_BASE/pg.log
  if ((EUID == 0)); then
    chown postgres: -- "$_WSD_PG_BASE" || _pg_fail "chown postgres failed" || return 1
  fi

  _pg_as_owner "$bin/initdb" -D "$data" -A trust -U postgres --no-sync \
    -E UTF8 --locale=C >"$_WSD_PG_BASE/initdb.log" 2>&1 || {
    cat -- "$_WSD_PG_BASE/initdb.log" >&2
    _pg_fail "initdb failed"
    return 1
  }

  # The port may be taken between choosing and binding it; try a few.
  local port opts started=false attempt
  for attempt in 1 2 3; do
    port=$(_pg_free_port) || break
    opts="-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    if _pg_as_owner "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 -o "$opts" \
      start >/dev/null 2>&1; then
      started=true
      break
    fi
    printf 'pg_start: start on port %s failed (attempt %s)\n' "$port" "$attempt" >&2
  done
  [[ $started == true ]] || {
    _pg_fail "pg_ctl start failed"
    return 1
  }

  local psql=$bin/psql
  [[ -x $psql ]] || psql=psql
  "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c 'CREATE ROLE wsd WITH LOGIN SUPERUSER' \
    -c 'CREATE DATABASE wsd OWNER wsd' >/dev/null || {
    _pg_fail "creating role and database wsd failed"
    return 1
  }

  export WSD_TEST_PG="postgresql://host=127.0.0.1 port=$port dbname=wsd user=wsd"
  export WSD_TEST_PG_DATA=$data
  export WSD_TEST_PG_BIN=$bin
  export WSD_TEST_PG_PORT=$port
  export WSD_TEST_PG_LOG=$logfile
  export WSD_TEST_PG_START_OPTS=$opts
  local prefix
  prefix=$(_pg_owner_prefix)
  export WSD_TEST_PG_CTL="${prefix:+$prefix }$bin/pg_ctl -D $data"
  printf 'PostgreSQL 15 test cluster on 127.0.0.1:%s (data %s)\n' "$port" "$data" >&2
}

# Stops the cluster and deletes it. Silent; safe to call any number of times.
pg_stop() {
  local -r base=${_WSD_PG_BASE:-}
  if [[ -n $base && -d $base ]]; then
    local -r bin=${WSD_TEST_PG_BIN:-$WSD_PG_BIN_DEFAULT}
    local -r data=$base/data
    if [[ -f $data/postmaster.pid ]]; then
      _pg_as_owner "$bin/pg_ctl" -D "$data" -w -t 30 -m fast stop >/dev/null 2>&1 ||
        _pg_as_owner "$bin/pg_ctl" -D "$data" -w -t 30 -m immediate stop >/dev/null 2>&1 ||
        true
    fi
    # Last resort if pg_ctl could not stop it: the postmaster's own pid.
    if [[ -f $data/postmaster.pid ]]; then
      local pid
      pid=$(head -n 1 -- "$data/postmaster.pid" 2>/dev/null) || pid=
      # A stale pid file may name a reused pid; only kill a postgres.
      if [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]]; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -rf -- "$base"
  fi
  _WSD_PG_BASE=
  _pg_forget
  return 0
}
