#!/usr/bin/env bash
# Precompile benchmark (not a test): for each crate, cold precompile (empty cache: the wasm std build is
# included), warm precompile (std cached; both verification builds always start from scratch), wasm size raw
# and gzipped, and the same crate's native `cargo build --release` (what a consumer pays without sandcrate).
# Usage: precompile/bench/precompile-bench.sh [crate-folder ...]   (default: the Debian crates the tests use)
# Writes precompile/bench/report.md. Uses at most 2 parallel jobs. Takes ~15 minutes on 2 cores.
set -euo pipefail
source "$(dirname "$0")/../../scripts/env.sh"
cd "$SANDCRATE_HOME"
REG=/usr/share/cargo/registry
crates=("$@")
((${#crates[@]})) || crates=("$REG/paste-1.0.7" "$REG/thiserror-impl-1.0.38" "$REG/async-trait-0.1.56" "$REG/serde_derive-1.0.152")

work=$(mktemp -d /tmp/sandcrate-precompile-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mvn -B -q -pl precompile -am install -DskipTests >/dev/null
mvn -B -q -pl precompile dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" >/dev/null
# private copies: a concurrent `mvn install` must not swap jars under the running JVMs
mkdir -p "$work/lib"
cp "$HOME/.m2/repository/dev/sandcrate/sandcrate-precompile/0.1.0-SNAPSHOT/sandcrate-precompile-0.1.0-SNAPSHOT.jar" "$work/lib/"
tr ':' '\n' <"$work/classpath.txt" | xargs -I{} cp {} "$work/lib/"
CP="$work/lib/*"

precompile() { # cache out crate -> prints seconds
  local start end
  start=$(date +%s.%N)
  SANDCRATE_CACHE="$1" java -cp "$CP" dev.sandcrate.precompile.cli.PrecompileTool precompile "$3" -o "$2" \
    >"$2.stdout" 2>"$2.log" || { echo "precompile of $3 failed, see $2.log" >&2; cat "$2.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

native() { # crate-folder -> prints seconds of a clean native release build (proc macro + its dependencies)
  local dir="$work/native-$(basename "$1")" name version start end
  name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$1/Cargo.toml" | head -1)
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$1/Cargo.toml" | head -1)
  mkdir -p "$dir/src" "$dir/.cargo"
  printf '[package]\nname = "native-bench"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' "$name" "$version" >"$dir/Cargo.toml"
  : >"$dir/src/lib.rs"
  printf '[source.crates-io]\nreplace-with = "local"\n[source.local]\ndirectory = "%s"\n' "$(dirname "$1")" >"$dir/.cargo/config.toml"
  (cd "$dir" && RUSTC=/usr/bin/rustc /usr/bin/cargo generate-lockfile --offline -q)
  start=$(date +%s.%N)
  (cd "$dir" && RUSTC=/usr/bin/rustc /usr/bin/cargo build --release -j2 --offline -q)
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

report=precompile/bench/report.md
{
  echo "# Precompile benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores (load average at start: $(cut -d' ' -f1-3 /proc/loadavg)), $(/usr/bin/rustc -V)."
  echo "Rerun: \`precompile/bench/precompile-bench.sh\`."
  echo "Cold = empty \`SANDCRATE_CACHE\` (includes building std for wasm once); warm = std cached. Both include"
  echo "preparation and the two independent verification builds, each from scratch (-j2 and -j1)."
  echo "Native = clean \`cargo build --release -j2\` of the same proc-macro crate and its dependencies."
  echo
  echo "| crate | cold precompile | warm precompile | build a / build b | wasm raw | wasm gzip -9 | native release build |"
  echo "|---|---|---|---|---|---|---|"
} >"$report.tmp"
for crate in "${crates[@]}"; do
  label=$(basename "$crate")
  cold=$(precompile "$work/cache-$label" "$work/cold-$label" "$crate")
  rm -rf "$work/cache-$label"
  warm=$(precompile "${SANDCRATE_CACHE:-$HOME/.cache/sandcrate}" "$work/warm-$label" "$crate")
  wasm=$(ls "$work/warm-$label"/*.wasm)
  builds=$(grep -o '"durationMillis" : [0-9]*' "$wasm.build.json" | awk '{printf "%s%.1f s", (NR>1?" / ":""), $3/1000}')
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  nat=$(native "$crate")
  printf '| %s | %.1f s | %.1f s | %s | %d KB | %d KB | %.1f s |\n' "$label" "$cold" "$warm" "$builds" $((raw / 1024)) $((gz / 1024)) "$nat" >>"$report.tmp"
  echo "bench: $label done" >&2
done
echo "" >>"$report.tmp"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every number)." >>"$report.tmp"
mv "$report.tmp" "$report"
cat "$report"
