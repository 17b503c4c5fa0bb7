#!/usr/bin/env bash
# The deployment files of conf/ made concrete (nginx-lb.conf rendered for a
# given set of instances), and the checks scripts/test runs on them.
#
# Source it for the functions, or run it:
#   scripts/lib/ops.sh [PRESET...]
# checks conf/ (systemd-analyze, nginx -t, promtool, the dashboard and alerts
# against a live /metrics), scripts/cluster and the .deb, using the wsd of
# build/asan if asan is among the PRESETs, else of the first one (default asan).

_ops_lib=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=common.sh
source "$_ops_lib/common.sh"
# shellcheck source=proc.sh
source "$_ops_lib/proc.sh"

# Debian's python3, which has python3-yaml (from WSD_PACKAGES).
OPS_PYTHON=/usr/bin/python3

# ops_nginx_render SRC DEST LISTEN LOGDIR [UPSTREAM...]: writes conf/nginx-lb.conf
# (SRC) to DEST with `listen LISTEN;`, its logs in LOGDIR and, when given, the
# UPSTREAMs (host:port) instead of its example instances.
ops_nginx_render() {
  local -r src=$1 dest=$2 listen=$3 logdir=$4
  shift 4
  awk -v listen="$listen" -v logdir="$logdir" -v upstreams="$*" '
    BEGIN { n = split(upstreams, up, " ") }
    /^upstream wsd[[:space:]]*\{/ { in_upstream = 1 }
    in_upstream && /^\}/ { in_upstream = 0 }
    in_upstream && n > 0 && /^[[:space:]]*server[[:space:]]/ {
      if (!replaced) {
        indent = $0; sub(/[^[:space:]].*/, "", indent)
        params = $0; sub(/^[[:space:]]*server[[:space:]]+[^[:space:];]+/, "", params)
        for (i = 1; i <= n; ++i) print indent "server " up[i] params
        replaced = 1
      }
      next
    }
    /^[[:space:]]*listen[[:space:]]/ { sub(/listen[[:space:]]+[^;]*;/, "listen " listen ";") }
    { gsub("/var/log/nginx/", logdir "/"); print }
  ' "$src" >"$dest" || return 1
  # The rendering relies on the shape of the file: fail loudly if it changed.
  local -r servers=$(grep -cE '^[[:space:]]*server[[:space:]]+[^[:space:]]+:[0-9]+' "$dest")
  if ! grep -q "^[[:space:]]*listen $listen;" "$dest" || grep -q '/var/log/nginx/' "$dest" ||
    (($# > 0 && servers != $#)); then
    printf 'ops_nginx_render: %s no longer has the expected shape (upstream wsd, listen, logs)\n' \
      "$src" >&2
    return 1
  fi
}

# ops_nginx_main_conf DIR INCLUDE: writes DIR/nginx.conf, a main configuration
# with its pid file, logs and temporary files under DIR that includes INCLUDE
# in its http block; nginx runs in the foreground with one worker.
ops_nginx_main_conf() {
  local -r dir=$1 include=$2
  mkdir -p -- "$dir/logs" "$dir/tmp" || return 1
  local user_line=
  if ((EUID == 0)); then
    # Workers of a root master run as nobody: they need to reach DIR (the
    # caller makes its parents reachable).
    user_line="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
    chmod 755 -- "$dir" || return 1
  fi
  cat >"$dir/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  include $include;
}
CONF
}

# Each check prints one line on success and explains itself on failure; all
# take the repository ROOT and a scratch directory TMP.

# conf/wsd.service with ExecStart pointing at BIN (verify wants the binary to
# exist): `systemd-analyze verify` only warns about unknown keys and bad
# values, so any message about the unit fails; then its sandbox exposure.
ops_check_systemd() {
  local -r root=$1 tmp=$2 bin=$3
  mkdir -p -- "$tmp/systemd"
  local -r unit=$tmp/systemd/wsd.service
  sed "s|^ExecStart=/usr/bin/wsd |ExecStart=$bin |" "$root/conf/wsd.service" >"$unit"
  grep -q "^ExecStart=$bin " "$unit" || {
    printf 'systemd: conf/wsd.service has no line ExecStart=/usr/bin/wsd ...\n' >&2
    return 1
  }
  local out status=0
  out=$(systemd-analyze verify "$unit" 2>&1) || status=$?
  if ((status != 0)) || grep -q 'wsd\.service' <<<"$out"; then
    printf 'systemd-analyze verify conf/wsd.service failed:\n%s\n' "$out" >&2
    return 1
  fi
  # Exposure 0.0 (sandboxed) .. 10.0 (not at all); wsd's is about 1.2.
  local exposure
  exposure=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1) || {
    printf 'systemd-analyze security: conf/wsd.service is less sandboxed than it was:\n%s\n' \
      "$exposure" >&2
    return 1
  }
  exposure=$(sed -n 's/.*Overall exposure level for wsd.service: \([0-9.]*\).*/\1/p' <<<"$exposure")
  log "systemd: conf/wsd.service verified, exposure level ${exposure:-?} (threshold 2.0)"
}

# conf/nginx-lb.conf included in a minimal main configuration (pid, logs and
# temporary files in TMP), its access log moved to TMP: `nginx -t`.
ops_check_nginx() {
  local -r root=$1 tmp=$2
  local -r dir=$tmp/nginx
  mkdir -p -- "$dir"
  ops_nginx_render "$root/conf/nginx-lb.conf" "$dir/wsd-lb.conf" 8080 "$dir/logs" &&
    ops_nginx_main_conf "$dir" "$dir/wsd-lb.conf" || return 1
  local out
  out=$(nginx -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" 2>&1) || {
    printf 'nginx -t on conf/nginx-lb.conf failed:\n%s\n' "$out" >&2
    return 1
  }
  log "nginx: conf/nginx-lb.conf passes nginx -t"
}

# promtool on prometheus.yml (beside alerts.yml and an empty token file, as in
# /etc/prometheus/), on alerts.yml, and the alerts' unit tests.
ops_check_prometheus() {
  local -r root=$1 tmp=$2
  local -r dir=$tmp/prometheus
  mkdir -p -- "$dir"
  cp -- "$root/conf/prometheus.yml" "$root/conf/alerts.yml" "$dir/"
  : >"$dir/wsd.token"
  local out
  out=$(promtool check config "$dir/prometheus.yml" 2>&1) || {
    printf 'promtool check config conf/prometheus.yml failed:\n%s\n' "$out" >&2
    return 1
  }
  out=$(promtool check rules "$root/conf/alerts.yml" 2>&1) || {
    printf 'promtool check rules conf/alerts.yml failed:\n%s\n' "$out" >&2
    return 1
  }
  out=$(cd -- "$root/scripts/lib/ops" && promtool test rules alerts_test.yml 2>&1) || {
    printf 'promtool test rules scripts/lib/ops/alerts_test.yml failed:\n%s\n' "$out" >&2
    return 1
  }
  log "prometheus: conf/prometheus.yml and conf/alerts.yml pass promtool check; alert tests pass"
}

# BIN on a scratch SQLite, a few requests, then its /metrics: the exposition
# passes `promtool check metrics`, every metric and label of the dashboard and
# the alerts is in it, and every dashboard query parses (`promtool check rules`).
ops_check_metrics() {
  local -r root=$1 tmp=$2 bin=$3
  local -r dir=$tmp/metrics
  mkdir -p -- "$dir"
  local -r password=ops-check-$RANDOM$RANDOM
  WSD_ADMIN_PASSWORD=$password WSD_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') \
    wsd_start "$bin" "$dir" wsd --db "sqlite3://db=$dir/wsd.db" --set log.access=false || return 1
  local -r pid=$wsd_pid url=$wsd_url
  local token ok=true
  if token=$(wsd_login "$url" admin "$password"); then
    local -r auth="Authorization: Bearer $token"
    # A miss, a hit and a 404, so that labelled samples appear.
    curl -sS -o /dev/null -H "$auth" "$url/api/workstations" &&
      curl -sS -o /dev/null -H "$auth" "$url/api/workstations" &&
      curl -sS -o /dev/null -H "$auth" "$url/api/workstations/424242" &&
      curl -fsS -o "$dir/metrics.txt" -H "$auth" "$url/metrics" || ok=false
  else
    printf 'metrics: could not log in to %s\n' "$url" >&2
    ok=false
  fi
  proc_stop "$pid"
  [[ $ok == true ]] || return 1

  local out
  out=$(promtool check metrics <"$dir/metrics.txt" 2>&1) || {
    printf "promtool check metrics on wsd's /metrics failed:\n%s\n" "$out" >&2
    return 1
  }
  "$OPS_PYTHON" "$root/scripts/lib/ops/promql_check.py" rules \
    "$root/conf/grafana-dashboard.json" "$dir/dashboard-rules.yml" || return 1
  out=$(promtool check rules "$dir/dashboard-rules.yml" 2>&1) || {
    printf 'a query of conf/grafana-dashboard.json does not parse:\n%s\n' "$out" >&2
    return 1
  }
  out=$("$OPS_PYTHON" "$root/scripts/lib/ops/promql_check.py" names "$dir/metrics.txt" \
    "$root/conf/grafana-dashboard.json" "$root/conf/alerts.yml") || return 1
  log "metrics: $out; the exposition passes promtool check metrics"
}

# scripts/cluster 2 run with BIN on a free port: both instances answer
# requests sent to nginx, and a Ctrl-C (SIGINT) stops every process it
# started and deletes its files.
ops_check_cluster() {
  local -r root=$1 tmp=$2 bin=$3
  local -r dir=$tmp/cluster out=$tmp/cluster/out.txt err=$tmp/cluster/err.txt
  mkdir -p -- "$dir"
  local port
  port=$(proc_free_port) || return 1
  local -r password=cluster-check-$RANDOM$RANDOM
  # With job control the cluster gets its own process group and, unlike a
  # background job of a script, does not start with SIGINT ignored.
  set -m
  WSD_CLUSTER_PORT=$port WSD_CLUSTER_BIN=$bin WSD_ADMIN_PASSWORD=$password \
    "$root/scripts/cluster" 2 >"$out" 2>"$err" &
  local -r pid=$!
  set +m
  local tries
  for ((tries = 0; tries < 1200; ++tries)); do
    grep -q '^Log in as user' "$out" 2>/dev/null && break
    proc_alive "$pid" || break
    sleep 0.1
  done
  local ok=true
  grep -q '^Log in as user' "$out" || {
    printf 'cluster: scripts/cluster 2 did not get ready:\n' >&2
    cat -- "$out" "$err" >&2
    ok=false
  }
  local -a pids=() logs=()
  local line front=http://127.0.0.1:$port
  # "  wsd-1  pid 123  http://127.0.0.1:4567  log /tmp/wsd-cluster.x/wsd-1.log"
  local -r listed='^(wsd-[0-9]+|nginx) +pid ([0-9]+) +[^ ]+ +log (.+)$'
  while read -r line; do
    [[ $line =~ $listed ]] || continue
    pids+=("${BASH_REMATCH[2]}")
    [[ ${BASH_REMATCH[1]} == nginx ]] || logs+=("${BASH_REMATCH[3]}")
  done <"$out"
  local -r work=$(dirname -- "${logs[0]:-/nonexistent/x}")
  local pg_data postmaster=
  pg_data=$(sed -n 's/^PostgreSQL 15 test cluster on .* (data \(.*\))$/\1/p' "$err")
  if [[ -n $pg_data ]] && read -r postmaster 2>/dev/null <"$pg_data/postmaster.pid"; then
    pids+=("$postmaster")
  fi
  if [[ $ok == true ]] && ((${#logs[@]} != 2 || ${#pids[@]} != 4)); then
    printf 'cluster: expected 2 instances, nginx and PostgreSQL in its output:\n' >&2
    cat -- "$out" "$err" >&2
    ok=false
  fi

  # Requests through nginx; each instance must have answered some.
  local token
  if [[ $ok == true ]]; then
    if token=$(wsd_login "$front" admin "$password"); then
      local i
      for ((i = 0; i < 20; ++i)); do
        curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$front/api/workstations" ||
          ok=false
      done
      local log
      for log in "${logs[@]}"; do
        grep -q '"target":"/api/workstations"' "$log" || {
          printf 'cluster: %s answered no request sent through nginx\n' "$log" >&2
          ok=false
        }
      done
    else
      printf 'cluster: could not log in through nginx on %s\n' "$front" >&2
      ok=false
    fi
  fi

  # Ctrl-C: everything stops within the instances' drain time.
  kill -INT "$pid" 2>/dev/null || true
  for ((tries = 0; tries < 600; ++tries)); do
    proc_alive "$pid" || break
    sleep 0.1
  done
  if proc_alive "$pid"; then
    printf 'cluster: still running 60 s after SIGINT\n' >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
    ok=false
  fi
  local status=0
  wait "$pid" 2>/dev/null || status=$?
  ((status == 130)) || {
    printf 'cluster: exit status %s after SIGINT (expected 130):\n' "$status" >&2
    cat -- "$err" >&2
    ok=false
  }
  local p
  for p in "${pids[@]}"; do
    if proc_alive "$p"; then
      printf 'cluster: pid %s (%s) still runs after the cluster stopped\n' "$p" \
        "$(cat "/proc/$p/comm" 2>/dev/null)" >&2
      ok=false
    fi
  done
  local d
  for d in "$work" "${pg_data%/data}"; do
    if [[ -n $d && -e $d ]]; then
      printf 'cluster: %s is left behind\n' "$d" >&2
      ok=false
    fi
  done
  if proc_port_open "$port"; then
    printf 'cluster: port %s still accepts connections\n' "$port" >&2
    ok=false
  fi
  [[ $ok == true ]] || return 1
  log "cluster: scripts/cluster 2 served through nginx from both instances and stopped cleanly on SIGINT"
}

# The .deb of a Release build without tests and benchmarks (build/deb): its
# control fields, maintainer scripts and files (dpkg-deb), the shipped files
# equal to conf/, and, where mount namespaces are available (root), installed,
# run as the wsd user and purged in a throwaway overlay of / (see below).
ops_check_deb() {
  local -r root=$1 tmp=$2
  local -r build=$root/build/deb dir=$tmp/deb
  mkdir -p -- "$dir"
  local werror=OFF
  [[ ${CI:-} == true ]] && werror=ON
  rm -f -- "$build"/wsd_*.deb
  (cd -- "$root" &&
    cmake --preset release -B "$build" -DWSD_BUILD_TESTS=OFF -DWSD_BUILD_BENCH=OFF \
      -DWSD_WERROR="$werror" &&
    cmake --build "$build" --target package) >"$dir/build.log" 2>&1 || {
    tail -n 40 -- "$dir/build.log" >&2
    printf 'deb: building the package failed (log above)\n' >&2
    return 1
  }
  local -a debs=("$build"/wsd_*.deb)
  [[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || {
    printf 'deb: expected one build/deb/wsd_*.deb, found: %s\n' "${debs[*]}" >&2
    return 1
  }
  local -r deb=${debs[0]}
  local problems=()

  local package depends
  package=$(dpkg-deb -f "$deb" Package)
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ $package == wsd ]] || problems+=("Package is '$package'")
  local dep
  # From dpkg-shlibdeps: the C++ runtime and both database backends.
  for dep in adduser libc6 libstdc++6 libsoci-core4.0 libsoci-postgresql4.0 libpq5 \
    libsoci-sqlite3-4.0 libsqlite3-0; do
    [[ ", $depends," == *", $dep"[\ ,]* ]] || problems+=("Depends lacks $dep: $depends")
  done

  dpkg-deb -e "$deb" "$dir/control"
  grep -qx /etc/wsd/wsd.json "$dir/control/conffiles" 2>/dev/null ||
    problems+=("/etc/wsd/wsd.json is not a conffile")
  grep -q 'adduser --system' "$dir/control/postinst" 2>/dev/null ||
    problems+=("postinst creates no system user")
  grep -q 'install -d -o wsd -g wsd' "$dir/control/postinst" 2>/dev/null ||
    problems+=("postinst creates no /var/lib/wsd owned by wsd")
  grep -q 'purge)' "$dir/control/postrm" 2>/dev/null || problems+=("postrm does not handle purge")
  local script
  for script in postinst prerm postrm; do
    [[ -x $dir/control/$script ]] || problems+=("$script is missing or not executable")
  done

  local listing
  listing=$(dpkg-deb -c "$deb")
  local -A want=(
    [./usr/bin/wsd]=-rwxr-xr-x
    [./etc/wsd/wsd.json]=-rw-r--r--
    [./lib/systemd/system/wsd.service]=-rw-r--r--
    [./usr/share/doc/wsd/copyright]=-rw-r--r--
    [./usr/share/doc/wsd/README.md]=-rw-r--r--
    [./usr/share/doc/wsd/examples/nginx-lb.conf]=-rw-r--r--
    [./usr/share/doc/wsd/examples/prometheus.yml]=-rw-r--r--
    [./usr/share/doc/wsd/examples/alerts.yml]=-rw-r--r--
    [./usr/share/doc/wsd/examples/grafana-dashboard.json]=-rw-r--r--
  )
  local path mode owner
  for path in "${!want[@]}"; do
    read -r mode owner _ < <(awk -v p="$path" '$NF == p' <<<"$listing")
    [[ $mode == "${want[$path]}" && $owner == root/root ]] ||
      problems+=("$path: '${mode:-missing}' '${owner:-}' (want ${want[$path]} root/root)")
  done
  if grep -v ' root/root ' <<<"$listing" | grep -q .; then
    problems+=("files not owned by root: $(grep -v ' root/root ' <<<"$listing")")
  fi

  dpkg-deb -x "$deb" "$dir/files"
  local -A shipped=(
    [etc/wsd/wsd.json]=conf/wsd.json
    [lib/systemd/system/wsd.service]=conf/wsd.service
    [usr/share/doc/wsd/examples/nginx-lb.conf]=conf/nginx-lb.conf
    [usr/share/doc/wsd/examples/prometheus.yml]=conf/prometheus.yml
    [usr/share/doc/wsd/examples/alerts.yml]=conf/alerts.yml
    [usr/share/doc/wsd/examples/grafana-dashboard.json]=conf/grafana-dashboard.json
  )
  for path in "${!shipped[@]}"; do
    cmp -s -- "$dir/files/$path" "$root/${shipped[$path]}" ||
      problems+=("/$path differs from ${shipped[$path]}")
  done
  local version
  version=$("$dir/files/usr/bin/wsd" --version 2>&1) ||
    problems+=("the packaged wsd does not run: $version")

  if ((${#problems[@]} > 0)); then
    printf 'deb: %s\n' "${problems[@]}" >&2
    return 1
  fi
  local -r size=$(du -k -- "$deb" | cut -f1)
  log "deb: $(basename -- "$deb") (${size} KiB, $version) holds the binary, config, unit and examples; Depends: $depends"
  _ops_deb_install "$deb" "$dir"
}

# Installs the package into a copy-on-write overlay of / in a private mount
# namespace and checks what dpkg -i did (user, folders, secrets), that wsd
# runs from the installed files as user wsd, and what dpkg --purge undid. The
# real system is not touched: the overlay's changes live in a tmpfs that
# disappears with the namespace, and the processes started in it with its
# own PID namespace.
_ops_deb_install() {
  local -r deb=$1 dir=$2
  local -r ns=(unshare --mount --pid --fork --propagation private)
  if ((EUID != 0)) || ! "${ns[@]}" true 2>/dev/null; then
    if [[ ${CI:-} == true ]]; then
      printf 'deb: cannot create a mount namespace for the install test (required in CI)\n' >&2
      return 1
    fi
    log "deb: install test skipped (needs root and mount namespaces)"
    return 0
  fi
  mkdir -p -- "$dir/overlay"
  cat >"$dir/install.sh" <<'OUTER'
set -eu
deb=$1 top=$2
mount -t tmpfs -o size=1g tmpfs "$top"
mkdir "$top/upper" "$top/work" "$top/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$top/upper,workdir=$top/work" "$top/root"
mount -t proc proc "$top/root/proc"
mount --rbind /dev "$top/root/dev"
mkdir -p "$top/root/tmp"
cp "$deb" "$top/root/tmp/wsd.deb"
exec chroot "$top/root" /bin/sh -s <<'INNER'
set -eu
fail() { echo "deb install: $*" >&2; exit 1; }
dpkg -i /tmp/wsd.deb >/tmp/dpkg-install.log 2>&1 || { cat /tmp/dpkg-install.log >&2; fail "dpkg -i failed"; }
getent passwd wsd >/dev/null || fail "no user wsd"
getent group wsd >/dev/null || fail "no group wsd"
[ "$(getent passwd wsd | cut -d: -f7)" = /usr/sbin/nologin ] || fail "user wsd can log in"
[ "$(id -u wsd)" -lt 1000 ] || fail "wsd is not a system user"
[ "$(stat -c %U:%G:%a /var/lib/wsd)" = wsd:wsd:750 ] || fail "/var/lib/wsd is $(stat -c %U:%G:%a /var/lib/wsd)"
[ "$(stat -c %U:%a /etc/default/wsd)" = root:600 ] || fail "/etc/default/wsd is $(stat -c %U:%a /etc/default/wsd)"
secret=$(sed -n 's/^WSD_JWT_SECRET=//p' /etc/default/wsd)
[ "${#secret}" -ge 32 ] || fail "/etc/default/wsd has no WSD_JWT_SECRET"

# As the unit runs it: user wsd, in /var/lib/wsd, with /etc/wsd/wsd.json.
cd /var/lib/wsd
WSD_JWT_SECRET=$secret WSD_ADMIN_PASSWORD=deb-install-check \
  setpriv --reuid=wsd --regid=wsd --init-groups -- \
    /usr/bin/wsd --config /etc/wsd/wsd.json --port 0 >/tmp/wsd.out 2>/tmp/wsd.err &
pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^wsd listening on //p' /tmp/wsd.out)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat /tmp/wsd.out /tmp/wsd.err >&2; fail "the installed wsd did not start"; }
curl -fsS -o /dev/null "$url/health" || fail "the installed wsd does not answer /health"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || fail "the installed wsd exited with $status on SIGTERM"
[ "$(stat -c %U /var/lib/wsd/var/wsd.db)" = wsd ] || fail "no database /var/lib/wsd/var/wsd.db"

dpkg --purge wsd >/tmp/dpkg-purge.log 2>&1 || { cat /tmp/dpkg-purge.log >&2; fail "dpkg --purge failed"; }
! getent passwd wsd >/dev/null || fail "user wsd is left after purge"
! getent group wsd >/dev/null || fail "group wsd is left after purge"
for path in /usr/bin/wsd /etc/wsd /etc/default/wsd /var/lib/wsd /lib/systemd/system/wsd.service; do
  [ ! -e "$path" ] || fail "$path is left after purge"
done
INNER
OUTER
  local out
  out=$("${ns[@]}" bash "$dir/install.sh" "$deb" "$dir/overlay" 2>&1) || {
    printf '%s\n' "$out" >&2
    return 1
  }
  log "deb: installed in a throwaway overlay: user wsd, /var/lib/wsd, /etc/default/wsd; wsd served as wsd; purge removed them"
}

# ops_checks [PRESET...]: every check above, each timed; fails if any failed.
ops_checks() {
  local preset=${1:-asan} p
  for p in "$@"; do
    [[ $p == asan ]] && preset=asan
  done
  local root
  root=$(repo_root)
  local -r bin=$root/build/$preset/wsd
  [[ -x $bin ]] || die "$bin not found: build the preset '$preset' first"
  local tool
  for tool in systemd-analyze nginx promtool dpkg-deb dpkg-shlibdeps curl "$OPS_PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found (see WSD_PACKAGES in scripts/lib/common.sh)"
  done
  "$OPS_PYTHON" -c 'import yaml' 2>/dev/null || die "python3-yaml is not installed"

  local tmp
  tmp=$(mktemp -d /tmp/wsd-ops.XXXXXX) || die "mktemp failed"
  local -a failed=()
  local check started total_started=$EPOCHREALTIME
  for check in systemd nginx prometheus metrics cluster deb; do
    started=$EPOCHREALTIME
    case $check in
      systemd | metrics | cluster) "ops_check_$check" "$root" "$tmp" "$bin" ;;
      *) "ops_check_$check" "$root" "$tmp" ;;
    esac || failed+=("$check")
    log "  ($check: $(_ops_seconds_since "$started") s)"
  done
  rm -rf -- "$tmp"
  ((${#failed[@]} == 0)) || die "deployment checks failed: ${failed[*]}"
  log "deployment checks passed in $(_ops_seconds_since "$total_started") s"
}

_ops_seconds_since() {
  local -r now=$EPOCHREALTIME
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  ops_checks "$@"
fi
