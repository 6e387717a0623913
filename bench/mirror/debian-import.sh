#!/usr/bin/env bash
# Benchmark: import Debian's packaged Rust crates into a fresh Sandcrate in one run, re-run it (idempotence), export a
# bundle, serve the result and build a real project against it. Prints one line per step with its wall time.
#
#   bench/mirror/debian-import.sh [--download] [--debs DIR] [WORK_DIR]
#
#   --download   apt-get download every librust-*-dev package (about 1950 .debs holding about 1500 crates; several
#                minutes and a few hundred MB). Not part of CI.
#   --debs DIR   use .debs already downloaded into DIR.
#   default      the librust-*-dev .debs in /var/cache/apt/archives plus /usr/share/cargo/registry (what
#                scripts/setup.sh --test installed): the subset CI also imports in ImportTest.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
download=false
debs=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --download) download=true; shift ;;
    --debs) debs="$2"; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) break ;;
  esac
done
work=${1:-$(mktemp -d /tmp/sandcrate-mirror-bench.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
now() { date +%s.%N; }
"$here/sandcrate" --version >/dev/null   # builds the jar first if the sources changed (not timed)
source "$here/scripts/env.sh"
java_sc=("$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -jar "$here/registry/target/sandcrate.jar")
sc() { "${java_sc[@]}" "$@"; }
took() { printf '%-34s %8.1f s  %s\n' "$1" "$(echo "$(now) - $2" | bc)" "${3:-}"; }

if $download; then
  debs="$work/debs"
  mkdir -p "$debs"
  t=$(now)
  apt-cache pkgnames librust- | grep -- '-dev$' | sort > "$work/packages.txt"
  (cd "$debs" && xargs -a "$work/packages.txt" -n 100 apt-get download -q >/dev/null 2>"$work/download.err" || true)
  took "apt-get download" "$t" "$(ls "$debs" | wc -l) .debs of $(wc -l < "$work/packages.txt") packages"
fi

# unpack every .deb's /usr/share/cargo/registry into one folder of crate folders
src="$work/registry"
rm -rf "$work/unpacked" "$src"
mkdir -p "$work/unpacked" "$src"
t=$(now)
if [[ -n "$debs" ]]; then
  for d in "$debs"/librust-*.deb; do dpkg-deb -x "$d" "$work/unpacked"; done
else
  for d in /var/cache/apt/archives/librust-*.deb; do [[ -e "$d" ]] && dpkg-deb -x "$d" "$work/unpacked"; done
  cp -a /usr/share/cargo/registry/. "$work/unpacked/usr/share/cargo/registry/" 2>/dev/null || { mkdir -p "$work/unpacked/usr/share/cargo/registry"; cp -a /usr/share/cargo/registry/. "$work/unpacked/usr/share/cargo/registry/"; }
fi
# Debian ships some crates as symlinks into other packages' folders; keep real crate folders only
for c in "$work/unpacked/usr/share/cargo/registry"/*; do
  [[ -f "$c/Cargo.toml" ]] && cp -aL "$c" "$src/" 2>/dev/null || true
done
crates=$(ls "$src" | wc -l)
took "unpack" "$t" "$crates crate folders, $(du -sh "$src" | cut -f1)"

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
mkdir -p "$work/home" "$work/app/src"
cat > "$work/home/config.toml" <<TOML
[registries.sandcrate]
index = "sparse+$url/index/"
[source.crates-io]
replace-with = "sandcrate"
[build]
jobs = 2
TOML
deps='serde = { version = "1", features = ["derive"] }
serde_json = "1"
syn = { version = "1", features = ["full"] }'
for extra in regex clap log rand; do
  ls "$src" | grep -q "^$extra-[0-9]" && deps="$deps
$extra = \"*\""
done
cat > "$work/app/Cargo.toml" <<TOML
[package]
name = "mirror-bench-app"
version = "0.1.0"
edition = "2021"

[dependencies]
$deps
TOML
echo 'fn main() { #[derive(serde::Serialize)] struct S { ok: bool } println!("{}", serde_json::to_string(&S { ok: true }).unwrap()); }' > "$work/app/src/main.rs"
t=$(now)
(cd "$work/app" && CARGO_HOME="$work/home" cargo build -q 2>"$work/build.err") && result=$("$work/app/target/debug/mirror-bench-app") || result="FAILED (see $work/build.err)"
took "cargo build (clean)" "$t" "$(grep -c '^name = ' "$work/app/Cargo.lock" 2>/dev/null || echo 0) locked packages, prints $result"
git_url="$url/git/index"
t=$(now)
git clone -q "$git_url" "$work/git-index" && took "git clone of the git index" "$t" "$(git -C "$work/git-index" rev-list --count HEAD) commits"
echo "work dir: $work"
