#!/usr/bin/env bash
# Benchmark: import every crate Debian packages into a fresh Sandcrate in one run, re-run it (idempotence), export a
# bundle, import it elsewhere, serve the result and build a real project against it. One line per step with its wall
# time; DebianMirrorTest checks the same path in CI.
#
#   bench/mirror/debian-import.sh [WORK_DIR]
#
# The corpus is every librust-*-dev package (about 1950 .debs, about 1500 crates), downloaded with apt-get download and
# unpacked by scripts/debian-corpus.sh (cached; the first run downloads ~90 MB).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n 2,8p "$0"; exit 0; }
work=${1:-$(mktemp -d /tmp/sandcrate-mirror-bench.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
now() { date +%s.%N; }
"$here/sandcrate" --version >/dev/null   # builds the jar first if the sources changed (not timed)
source "$here/scripts/env.sh"
java_sc=("$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -jar "$here/registry/target/sandcrate.jar")
sc() { "${java_sc[@]}" "$@"; }
took() { printf '%-34s %8.1f s  %s\n' "$1" "$(echo "$(now) - $2" | bc)" "${3:-}"; }

t=$(now)
src=$("$here/scripts/debian-corpus.sh")
crates=$(find "$src" -mindepth 2 -maxdepth 2 -name Cargo.toml | wc -l)
took "corpus (cached after the first run)" "$t" "$crates crate folders, $(du -shL "$src" | cut -f1)"

data="$work/data"
rm -rf "$data"
t=$(now)
sc import --quiet --as debian --data-dir "$data" "$src" > "$work/import.txt" 2>>"$work/sandcrate.log" || true
took "import (first run)" "$t" "$(head -c 300 "$work/import.txt" | head -1 | sed 's/^.*: //')"
t=$(now)
sc import --quiet --data-dir "$data" "$src" > "$work/reimport.txt" 2>>"$work/sandcrate.log" || true
took "import (again: all present)" "$t" "$(head -1 "$work/reimport.txt" | sed 's/^.*: //')"
t=$(now)
sc export --data-dir "$data" -o "$work/mirror.tar" > "$work/export.txt" 2>>"$work/sandcrate.log"
took "export bundle" "$t" "$(ls -sh "$work/mirror.tar" | cut -d' ' -f1)"
t=$(now)
sc import --quiet --data-dir "$work/data-gapped" "$work/mirror.tar" > "$work/import-bundle.txt" 2>>"$work/sandcrate.log" || true
took "import bundle (fresh data dir)" "$t" "$(head -1 "$work/import-bundle.txt" | sed 's/^.*: //')"

# serve and build a project that uses what Debian ships
# no precompile workers: the build below measures resolving and downloading from the mirror, not a busy CPU
"${java_sc[@]}" serve --port 0 --precompile-workers 0 --data-dir "$data" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -qs 'sandcrate: serving' "$work/serve.log" && break; sleep 0.5; done
url=$(sed -n 's/^sandcrate: serving \(http[^ ]*\) .*/\1/p' "$work/serve.log")
[[ -n "$url" ]] || { cat "$work/serve.log"; exit 1; }
mkdir -p "$work/home"
cat > "$work/home/config.toml" <<TOML
[registries.sandcrate]
index = "sparse+$url/index/"
[source.crates-io]
replace-with = "sandcrate"
[build]
jobs = 2
TOML
# the project DebianMirrorTest builds: 18 direct dependencies, about 80 packages
rm -rf "$work/app" && cp -r "$here/src/test/resources/mirror-app" "$work/app"
t=$(now)
(cd "$work/app" && CARGO_HOME="$work/home" cargo build -q 2>"$work/build.err") \
  && result=$(cd "$work/app" && CARGO_HOME="$work/home" cargo run -q -- src --pattern 'rs$' | grep -c main.rs) \
  || result="FAILED (see $work/build.err)"
took "cargo build (clean)" "$t" "$(grep -c '^name = ' "$work/app/Cargo.lock" 2>/dev/null || echo 0) locked packages, run: $result"
git_url="$url/git/index"
t=$(now)
git clone -q "$git_url" "$work/git-index" && took "git clone of the git index" "$t" "$(git -C "$work/git-index" rev-list --count HEAD) commits"
echo "work dir: $work"
