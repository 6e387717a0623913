#!/usr/bin/env bash
# Precompile benchmark (not a test). For each crate, side by side in one run:
#   first  = precompile + verify with the wasm std cached but an empty dependency cache (every dependency is built
#            twice by itself and stored, then the job's two builds: what a registry pays once per dependency build),
#   warm   = the same precompile again, dependencies reused from the verified dependency cache (what every later
#            job needing the same syn/quote/proc-macro2 pays); the macro crate and harness are still built twice,
#   native = a clean `cargo build --release -j2` of the same proc-macro crate and its dependencies.
# The report ends with `RESULT serde_derive_ratio=<warm / native of serde_derive> corpus_minutes=<..>`.
# corpus_minutes: wall minutes for the service to precompile every proc-macro crate of the Debian corpus from a fresh
# data dir (std cache warm, one worker, both builds concurrent). With --corpus this script measures it after the
# crates, through bench/coverage/run.sh --rdeps 0 (about an hour on 2 cores); without it, it is taken from the last
# full run of bench/coverage/run.sh (bench/coverage/report.md, which measures the same phase), and the report says so.
# Usage: precompile/bench/precompile-bench.sh [--corpus] [crate-folder ...]   (default: the Debian crates the tests use)
# Runs from a fresh clone: the precompiler is packaged in one reactor (nothing goes to ~/.m2). Writes
# precompile/bench/report.md. At most 2 parallel jobs; ~6 minutes on 2 cores when the machine is quiet.
# BENCH_ROUNDS (default 2): warm and native are each run that many times, alternating; the minimum counts.
set -euo pipefail
source "$(dirname "$0")/../../scripts/env.sh"
cd "$SANDCRATE_HOME"
REG=/usr/share/cargo/registry
rounds=${BENCH_ROUNDS:-2}
corpus=0
if [[ "${1:-}" == --corpus ]]; then corpus=1; shift; fi
crates=("$@")
((${#crates[@]})) || crates=("$REG/paste-1.0.7" "$REG/thiserror-impl-1.0.38" "$REG/async-trait-0.1.56" "$REG/serde_derive-1.0.152")

work=$(mktemp -d /tmp/sandcrate-precompile-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# package + build-classpath in one reactor: the sibling modules resolve to their target/ jars, nothing goes to ~/.m2;
# private copies so a concurrent build cannot swap jars under the running JVMs
mvn -B -q -pl precompile -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=runtime >/dev/null
mkdir -p "$work/lib"
ls precompile/target/sandcrate-precompile-*.jar | grep -v -- -tests.jar | xargs -I{} cp {} "$work/lib/"
tr ':' '\n' <"$work/classpath.txt" | xargs -I{} cp {} "$work/lib/"
CP="$work/lib/*"
depcache="$work/dependency-cache"

seconds() { echo "$2 - $1" | bc; }
min() { printf '%s\n' "$@" | sort -g | head -1; }

precompile() { # out crate -> prints seconds (std from the usual cache, dependencies from $depcache)
  local start end
  start=$(date +%s.%N)
  java -cp "$CP" dev.sandcrate.precompile.cli.PrecompileTool precompile "$2" -o "$1" --dependency-cache "$depcache" \
    >"$1.stdout" 2>"$1.log" || { echo "precompile of $2 failed, see $1.log" >&2; tail -30 "$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  seconds "$start" "$end"
}

native() { # crate-folder round -> prints seconds of a clean native release build (proc macro + its dependencies)
  local dir="$work/native-$(basename "$1")-$2" name version start end
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
  seconds "$start" "$end"
}

builds() { # build.json -> "a s / b s" of both verification builds
  grep -o '"durationMillis" : [0-9]*' "$1" | awk '{printf "%s%.1f", (NR>1?" / ":""), $3/1000}'
}

report=precompile/bench/report.md
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
serde_ratio=not-run
for crate in "${crates[@]}"; do
  label=$(basename "$crate")
  first=$(precompile "$work/first-$label" "$crate")
  warm=() nat=()
  for ((r = 1; r <= rounds; r++)); do
    warm+=("$(precompile "$work/warm-$label-$r" "$crate")")
    nat+=("$(native "$crate" "$r")")
  done
  w=$(min "${warm[@]}")
  n=$(min "${nat[@]}")
  wasm=$(ls "$work/warm-$label-1"/*.wasm)
  reused=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["dependencyCache"]["reused"]))' "$wasm.build.json")
  ratio=$(echo "scale=2; $w / $n" | bc)
  [[ $label == serde_derive-* ]] && serde_ratio=$ratio
  rows+=("$(printf '| %s | %.1f s (%s s) | %.1f s (%s s) | %.1f s | %s× | %d | %d KB |' "$label" "$first" \
    "$(builds "$(ls "$work/first-$label"/*.wasm).build.json")" "$w" "$(builds "$wasm.build.json")" "$n" "$ratio" \
    "$reused" $(($(stat -c %s "$wasm") / 1024)))")
  echo "bench: $label first $first s, warm ${warm[*]} s, native ${nat[*]} s" >&2
done

corpus_minutes=not-run
corpus_text="The Debian corpus through the service was not measured: run with --corpus, or run bench/coverage/run.sh in full."
corpus_minutes_of() { # report.md of bench/coverage/run.sh -> its precompile minutes, if a full run that drained the queue
  grep -q 'This is a subset run' "$1" && return 1
  grep -q 'time limit reached' "$1" && return 1
  sed -n 's/.*precompiling until the queue was empty \([0-9.]*\) min.*/\1/p' "$1" | head -1 | grep .
}
if ((corpus)); then
  echo "bench: precompiling the Debian corpus through the service (bench/coverage/run.sh --rdeps 0)" >&2
  bench/coverage/run.sh --rdeps 0 --work-dir "$work/corpus" --report "$work/corpus-report.md" >&2
  if corpus_minutes=$(corpus_minutes_of "$work/corpus-report.md"); then
    corpus_text="Corpus, measured by this run: $(grep -m1 '^- Wall time' "$work/corpus-report.md" | sed 's/^- //'); $(grep -m1 '^RESULT' "$work/corpus-report.md")."
  else
    corpus_minutes=over-600
    corpus_text="Corpus, measured by this run: the queue was not empty after bench/coverage/run.sh's time limit."
  fi
elif [[ -f bench/coverage/report.md ]] && m=$(corpus_minutes_of bench/coverage/report.md); then
  corpus_minutes=$m
  corpus_text="Corpus, not measured by this run: from the last full bench/coverage/run.sh ($(sed -n 3p bench/coverage/report.md | cut -c1-220)): $(grep -m1 '^- Wall time' bench/coverage/report.md | sed 's/^- //'); load $(grep -m1 '^- Load average' bench/coverage/report.md | sed 's/^- Load average (1\/5\/15 min): //')"
fi

{
  echo "# Precompile benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores (load average at start: $load_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg)), $(/usr/bin/rustc -V)."
  echo "Rerun: \`precompile/bench/precompile-bench.sh\` (from a fresh clone; \`BENCH_ROUNDS\`, default 2)."
  echo
  echo "Every precompile includes preparation (unpack, resolve, metadata), the two independent verification builds"
  echo "(run concurrently on 2+ cores, -j2 and -j1, each its own sandbox and folder) and validation; the wasm std is cached."
  echo "*first*: the dependency cache as the crates before left it (empty for the first): each missing dependency is"
  echo "built twice by itself and stored, then the job's two builds. *warm*: the same crate again, its dependencies"
  echo "reused from the verified dependency cache (minimum of $rounds). *native*: clean"
  echo "\`cargo build --release -j2\` of the crate and its dependencies (minimum of $rounds, alternating with warm)."
  echo "In parentheses: the two builds' own durations. *ratio* = warm / native."
  echo
  echo "| crate | first precompile | warm precompile | native release build | ratio | dependencies reused | wasm |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Dependency cache after the run: $(find "$depcache" -name '*.tar.gz' | wc -l) entries, $(du -sh "$depcache" | cut -f1)"
  echo "($(for f in "$depcache"/*.tar.gz; do tar -tzf "$f" | grep -m1 -o 'deps/lib[a-z0-9_]*' ; done | sed 's|deps/lib||' | sort | tr '\n' ' ')),"
  echo "largest entry $(ls -S "$depcache"/*.tar.gz | head -1 | xargs du -h | cut -f1)."
  echo
  echo "$corpus_text"
  echo
  echo "RESULT serde_derive_ratio=$serde_ratio corpus_minutes=$corpus_minutes"
} >"$report.tmp"
mv "$report.tmp" "$report"
cat "$report"
