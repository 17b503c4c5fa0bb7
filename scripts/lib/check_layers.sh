#!/usr/bin/env bash
# Checks the include graph of include/wsd and src against the layers drawn in
# the README: each area may include only the areas listed for it, so no
# arrow points from a lower layer up and the graph has no cycle. It also
# checks that nothing below the HTTP edge names an HTTP status.
# Usage: scripts/lib/check_layers.sh [REPO_ROOT]
set -euo pipefail

root=${1:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
cd -- "$root"

declare -A allowed=(
  [core]=""
  [util]="core"
  [config]=""
  [log]=""
  [metrics]=""
  [auth]="core util"
  [cache]="core util"
  [db]="core util config log metrics"
  [idempotency]="core util db"
  [workstations]="core util db idempotency"
  [users]="core util db auth"
  [http]="core util config log metrics"
  [api]="core util config log metrics auth cache db idempotency workstations users http"
  [app]="core util config log metrics auth cache db idempotency workstations users http api"
)

status=0
for area in include/wsd/* src/*; do
  [[ -d $area ]] || continue
  name=${area##*/}
  if [[ -z ${allowed[$name]+set} ]]; then
    printf 'layers: %s is in no layer (add it to scripts/lib/check_layers.sh and the README)\n' "$area" >&2
    status=1
    continue
  fi
  while IFS=: read -r file include; do
    dep=${include#*\"wsd/}
    dep=${dep%%/*}
    [[ $dep == "$name" ]] && continue
    if [[ " ${allowed[$name]} " != *" $dep "* ]]; then
      printf 'layers: %s includes wsd/%s/ (%s may use: %s)\n' "$file" "$dep" "$name" "${allowed[$name]:-nothing}" >&2
      status=1
    fi
  done < <(grep -rHo '#include "wsd/[a-z_]*/' "$area" || true)
done

# Below the HTTP edge errors are core::errc values, never status numbers.
if grep -rnE '\b(201|204|304|4[0-3][0-9]|50[0-4])\b' \
  include/wsd/{core,db,cache,workstations,users,idempotency} \
  src/{core,db,cache,workstations,users,idempotency} >&2; then
  printf 'layers: the lines above name HTTP statuses below the HTTP edge\n' >&2
  status=1
fi
exit "$status"
