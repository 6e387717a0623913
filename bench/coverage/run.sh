#!/usr/bin/env bash
# Coverage benchmark (issue 13, item 5): how many of Debian's proc-macro crates the precompile service verifies, and
# whether the verified ones expand exactly like the macros built from source on the Debian crates that use them.
#
#   bench/coverage/run.sh [--only CRATE,...] [--max-minutes M] [--workers N] [--rdeps N] [--work-dir DIR]
#                         [--no-native-dependency-macros] [--compare-only] [-- SERVE_OPTION ...]
#
#   --only C1,C2        report and compare only these macro crates; every other macro crate of the corpus is denied
#                       (--precompile-deny) unless one of these needs it, so the workers build only what is reported
#   --max-minutes M     stop waiting for the queue after M minutes (default 600); what is still queued or running is
#                       reported as "not built (time limit)"
#   --workers N         precompile workers of `serve` (default 1; each runs two builds)
#   --rdeps N           reverse dependencies built per verified macro (default 3)
#   --compare-max-minutes M   start no comparison after M minutes of comparing (default 600); macros left are
#                       reported as "not compared (time limit)" and do not count as identical
#   --work-dir DIR      keep everything there (default: a new /tmp/sandcrate-coverage.XXXXXX)
#   --no-native-dependency-macros   leave out serve's --precompile-native-dependency-macros (on by default)
#   --report FILE       write the report there instead of bench/coverage/report.md (precompile-bench.sh --corpus
#                       runs this script with --rdeps 0 for the precompile time alone)
#   --compare-only      reuse DIR's data dir (from an earlier run with --work-dir DIR): no import, no precompiling
#   --retry-failed      with --compare-only: first retry that data dir's failed jobs with this checkout's workers
#   other options       passed to `sandcrate serve` (e.g. --precompile-feature-sets 1, --precompile-allow paste)
#
# Steps: import the Debian corpus (scripts/debian-corpus.sh) into a fresh data dir; `serve` with precompile workers
# until the queue is drained (progress every 30 s); restart it without workers and install the runtime from it
# (install.sh, into the work dir's HOME); for each verified macro pick up to N crates of the corpus that use it
# (the registry's reverse dependencies, smallest first; a crate that only re-exports the macro is followed to its own
# users) and build each twice, from /index/ and from /precompiled/index/, with
# `cargo rustc -p CRATE --lib -- -Zunpretty=expanded` (RUSTC_BOOTSTRAP=1 only for that rustc call), and compare. A macro
# with no such crate that builds is compared on up to 3 of its own tests/*.rs that call it (`cargo rustc --test`), else
# on those of a crate that re-exports it (argh's tests for argh_derive); with none of those that builds, on up to 10 of
# the doc examples (as rustdoc would compile them) and examples/ programs of the macro crate, else of such a facade;
# failing all of those, on the call sites written for this benchmark in callsites/NAME-VERSION/*.rs (see its README).
# Writes bench/coverage/report.md, or --report FILE (last line `RESULT macros=... verified=N identical=M`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
usage() { sed -n 2,34p "$0" | sed 's/^# \{0,1\}//'; }

only="" report="" retry=0 max_minutes=600 compare_max_minutes=600 workers=1 rdeps=3 work="" native=1 compare_only=0 serve_opts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --only) only=$2; shift 2 ;;
    --max-minutes) max_minutes=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --rdeps) rdeps=$2; shift 2 ;;
    --compare-max-minutes) compare_max_minutes=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --work-dir) work=$2; shift 2 ;;
    --no-native-dependency-macros) native=0; shift ;;
    --compare-only) compare_only=1; shift ;;
    --retry-failed) retry=1; shift ;;
    --) shift; serve_opts+=("$@"); break ;;
    --precompile-workers*|--port*|--data-dir*) echo "run.sh: $1 is set by the benchmark (use --workers N)" >&2; exit 2 ;;
    *) serve_opts+=("$1"); shift ;;
  esac
done
[[ "$max_minutes" =~ ^[0-9]+$ && "$compare_max_minutes" =~ ^[0-9]+$ && "$workers" =~ ^[0-9]+$ && "$rdeps" =~ ^[0-9]+$ ]] \
  || { echo "run.sh: --max-minutes, --compare-max-minutes, --workers and --rdeps take whole numbers" >&2; exit 2; }
if [[ $compare_only == 1 && ( -z "$work" || ! -d "$work/data" ) ]]; then
  echo "run.sh: --compare-only needs --work-dir DIR of an earlier run (with DIR/data)" >&2; exit 2
fi
[[ $native == 1 ]] && serve_opts=(--precompile-native-dependency-macros "${serve_opts[@]}")

work=${work:-$(mktemp -d /tmp/sandcrate-coverage.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
data="$work/data"
py() { python3 "$here/coverage.py" "$@"; }
log() { echo "== $(date -u +%H:%M:%S) $*"; }

"$repo/sandcrate" --version >/dev/null   # builds the jar first if the sources changed
source "$repo/scripts/env.sh"
sc() { "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -jar "$repo/registry/target/sandcrate.jar" "$@"; }

server=""
runtime="$work/home/.sandcrate/runtime/bin/sandcrate-runtime"
cleanup() {
  if [[ -x "$runtime" ]]; then HOME="$work/home" "$runtime" stop --dir "$work/run" >/dev/null 2>&1 || true; fi
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
}
trap cleanup EXIT

# serve LOG WORKERS: starts `sandcrate serve` on a free port; sets $server and $url
serve() {
  : > "$1"
  "$repo/sandcrate" serve --port 0 --data-dir "$data" --precompile-workers "$2" "${serve_opts[@]}" ${deny:+--precompile-deny "$deny"} \
      >> "$1" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    grep -qs 'sandcrate: serving' "$1" && break
    kill -0 "$server" 2>/dev/null || { cat "$1"; echo "run.sh: serve exited" >&2; exit 1; }
    sleep 0.5
  done
  url=$(sed -n 's/^sandcrate: serving \(http[^ ]*\) .*/\1/p' "$1")
  [[ -n "$url" ]] || { cat "$1"; echo "run.sh: serve did not start" >&2; exit 1; }
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

"$repo/scripts/setup.sh" --bench   # the system libraries some call sites need (GTK, GLib)
corpus=$("$repo/scripts/debian-corpus.sh")
log "corpus $corpus: $(find "$corpus" -mindepth 2 -maxdepth 2 -name Cargo.toml | wc -l) crate folders"
py scan "$corpus" "$work/corpus.json" ${only:+--only "$only"}
deny=$(py deny "$work/corpus.json")
if [[ -n "$only" ]]; then
  log "--only $only: $(tr ',' '\n' <<< "$deny" | grep -c . || true) other macro crates denied"
fi

start_epoch=$(date +%s)
jq -n --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg started "$(date -u +%FT%TZ)" --arg only "$only" \
   --arg max "$max_minutes" --arg cmax "$compare_max_minutes" --arg workers "$workers" --arg rdeps "$rdeps" --arg commit "$(git -C "$repo" rev-parse --short HEAD)" \
   --arg serve "$(printf '%s ' "${serve_opts[@]}")" --arg denied "$(tr ',' '\n' <<< "$deny" | grep -c . || true)" \
   --arg cores "$(nproc)" --argjson compare_only "$compare_only" \
   '{load_start:$load, started:$started, only:$only, max_minutes:($max|tonumber), compare_max_minutes:($cmax|tonumber), workers:($workers|tonumber),
     rdeps:($rdeps|tonumber), commit:$commit, serve_options:$serve, denied:($denied|tonumber), cores:($cores|tonumber),
     compare_only:($compare_only == 1)}' > "$work/run.json.new"
if [[ $compare_only == 1 && -f "$work/run.json" ]]; then
  # the data dir's precompile phase is what the report describes: keep its measurements and settings
  jq -s '.[1] + (.[0] | {import_seconds, precompile_seconds, time_limit_hit, unplanned, max_minutes, workers, serve_options,
         precompiled_commit: (.precompiled_commit // .commit), precompile_started: (.precompile_started // .started),
         precompile_load_start: (.precompile_load_start // .load_start)} | with_entries(select(.value != null)))' \
     "$work/run.json" "$work/run.json.new" > "$work/run.json.merged" && mv "$work/run.json.merged" "$work/run.json.new"
fi
mv "$work/run.json.new" "$work/run.json"

if [[ $compare_only == 0 ]]; then
  rm -rf "$data"
  t=$(date +%s)
  sc import --quiet --as debian --data-dir "$data" "$corpus" > "$work/import.txt" 2>> "$work/sandcrate.log" \
    || { echo "run.sh: import reported failures:" >&2; head -20 "$work/import.txt" >&2; }
  log "imported in $(( $(date +%s) - t )) s: $(head -1 "$work/import.txt")"
  sc user add coverage-bench --admin --data-dir "$data" >/dev/null 2>> "$work/sandcrate.log"
  sc token create --user coverage-bench --name coverage-bench --data-dir "$data" > "$work/admin-token" 2>> "$work/sandcrate.log"
  jq --argjson s "$(( $(date +%s) - t ))" '.import_seconds = $s' "$work/run.json" > "$work/run.json.new" && mv "$work/run.json.new" "$work/run.json"

  serve "$work/serve-precompile.log" "$workers"
  log "serving $url with $workers precompile worker(s): ${serve_opts[*]} ${deny:+--precompile-deny <$(tr ',' '\n' <<< "$deny" | grep -c .) crates>}"
  t=$(date +%s)
  py wait "$url" "$(cat "$work/admin-token")" "$work/corpus.json" "$work/run.json" --max-minutes "$max_minutes"
  jq --argjson s "$(( $(date +%s) - t ))" '.precompile_seconds = $s' "$work/run.json" > "$work/run.json.new" && mv "$work/run.json.new" "$work/run.json"
  stop_server
fi

if [[ $retry == 1 ]]; then
  serve "$work/serve-retry.log" "$workers"
  log "serving $url with $workers precompile worker(s) to retry the failed jobs"
  t=$(date +%s)
  py retry "$url" "$(cat "$work/admin-token")" "$work/corpus.json" "$work/run.json"
  py wait "$url" "$(cat "$work/admin-token")" "$work/corpus.json" "$work/run.json" --max-minutes "$max_minutes"
  jq --argjson s "$(( $(date +%s) - t ))" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '.retry_seconds = $s | .retry_load = $load' \
     "$work/run.json" > "$work/run.json.new" && mv "$work/run.json.new" "$work/run.json"
  stop_server
fi

# the comparison builds run without workers: nothing else competes for the two cores
serve "$work/serve-compare.log" 0
log "serving $url without workers for the comparison builds"
mkdir -p "$work/home" "$work/run"
chmod 700 "$work/run"
curl -fsSL "$url/runtime/install.sh" | HOME="$work/home" sh > "$work/install.log" 2>&1 \
  || { cat "$work/install.log"; echo "run.sh: installing the runtime failed" >&2; exit 1; }
log "$(tail -1 "$work/install.log")"
t=$(date +%s)
py compare "$url" "$(cat "$work/admin-token")" "$work/corpus.json" "$work/run.json" --work "$work" --rdeps "$rdeps" \
  --max-minutes "$compare_max_minutes"
# issue 13 item 2: a macro whose shim expanded differently, or failed where the source build succeeded, is denied with
# that evidence as the reason (the view serves it from source from then on)
py refuse "$url" "$(cat "$work/admin-token")" "$work/corpus.json" "$work/run.json"
jq --argjson s "$(( $(date +%s) - t ))" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg finished "$(date -u +%FT%TZ)" \
   --argjson total "$(( $(date +%s) - start_epoch ))" \
   '.compare_seconds = $s | .load_end = $load | .finished = $finished | .total_seconds = $total' "$work/run.json" > "$work/run.json.new" \
   && mv "$work/run.json.new" "$work/run.json"
report=${report:-$here/report.md}
py report "$work/run.json" "$work/corpus.json" "$report"
log "report: $report (work dir $work)"
tail -1 "$report"
