#!/bin/bash
# Runtime benchmark: what opting in to the sandboxed shims costs or saves a consumer, side by side in one run.
#
#   bench/runtime/run.sh [serde_derive.wasm]      (from a fresh clone; ~15 minutes on 2 busy cores)
#
# Compares, interleaved (native, shim, native, shim, ...):
#   * per-expansion cost: rustc's expand_crate for 400 serde derives, native debug serde_derive vs shim (warm daemon,
#     its expansion cache off), and the engine alone in-process (the rest of the shim's time is the path around the
#     engine); then the shim again with the cache on, as an edit-build loop compiles a crate again; and natively with
#     serde_derive and syn optimised, which bounds rustc's own share of expand_crate;
#   * cold start: from a build's first macro call (no daemon running, module compiled before) to its first expansion,
#     with and without the launcher's JDK AOT cache, and for a module's first-ever use (nothing cached);
#   * clean `cargo build` from source vs shims: (a) serde + serde_json + 200 structs, (b) an application using tokio,
#     serde, thiserror and async-trait, (c) (b) again after editing its main.rs; the daemon's peak RSS on (a). The
#     clean shim builds start with no daemon and no expansion answers on disk (a first build); (a) is then built again
#     after `cargo clean` with a new daemon and its answers on disk, and (c) once more with a new daemon.
# The engine is the runtime's default; SANDCRATE_ENGINE=<name> picks another (daemon and in-process run alike).
# Artifacts are precompiled with this checkout's precompiler unless given, and cached under
# ${SANDCRATE_CACHE:-~/.cache/sandcrate}/bench. Crates come from the Debian corpus (scripts/debian-corpus.sh), offline.
# Writes bench/runtime/report.md, whose last line is `RESULT expand_ratio=... cold_ms=... build_a_ratio=...
# build_b_ratio=... build_c_ratio=... rss_mb=...` (ratios are shim / native: below 1 means the shims are faster).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/scripts/env.sh"
structs=200        # (a): 2 derives each
app_structs=40     # (b): a Serialize/Deserialize struct and a thiserror enum each, plus async-trait and #[tokio::main]
rounds=${BENCH_ROUNDS:-3}   # build rounds; the medians need three at least on this noisy machine
work=$(mktemp -d /tmp/sandcrate-bench.XXXXXX)
launcher="$work/runtime/bin/sandcrate-runtime"
trap 'SANDCRATE_RUNTIME_DIR="$work/run" "$launcher" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export CARGO_BUILD_JOBS=2 CARGO_TERM_COLOR=never
cache_root="${SANDCRATE_CACHE:-$HOME/.cache/sandcrate}"
started=$(date +%s)

echo "== building the runtime, the precompiler and the bundle"
# package + build-classpath in one reactor: the sibling modules resolve to their target/ jars, nothing goes to ~/.m2
(cd "$repo" && mvn -B -q -pl index,sandbox-runtime,precompile -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime)
cp="$repo/precompile/target/classes:$(cat "$work/cp.txt")"
javac -d "$work/classes" -cp "$cp" "$here/RuntimeBench.java"
cp="$work/classes:$cp"
"$repo/sandbox-runtime/bundle/build.sh" >/dev/null
mkdir -p "$work/runtime"
tar -xzf "$repo"/sandbox-runtime/target/bundle/sandcrate-runtime-linux-*.tar.gz -C "$work/runtime"
"$launcher" aot-cache >/dev/null   # what install.sh does
bundle_size=$(du -h "$repo"/sandbox-runtime/target/bundle/sandcrate-runtime-linux-*.tar.gz | cut -f1)

echo "== crates and artifacts"
corpus=$("$repo/scripts/debian-corpus.sh")
# artifacts depend on the precompiler's sources: cache them under a key of those (as checked out)
key=$(cd "$repo" && git ls-files -s precompile/src/main precompile/rust/harness-template precompile/rust/bridge-server precompile/rust/wire/src/lib.rs | sha256sum | cut -c1-16)
artifacts="$cache_root/bench/artifacts-$key"
mkdir -p "$artifacts"
artifact() { # crate-version -> path of its default-features wasm, precompiled now if not cached
    local wasm="$artifacts/$1-default.wasm"
    if [[ ! -f "$wasm" ]]; then
        echo "precompiling $1 (cached in $artifacts)" >&2
        java -cp "$cp" dev.sandcrate.precompile.cli.PrecompileTool precompile "$corpus/$1" --crates "$corpus" -o "$artifacts" \
            > "$artifacts/$1.log" 2>&1 || { tail -20 "$artifacts/$1.log" >&2; exit 1; }
    fi
    echo "$wasm"
}
macros=(serde_derive-1.0.152 thiserror-impl-1.0.38 async-trait-0.1.56 tokio-macros-1.7.0)
declare -A wasm
for m in "${macros[@]}"; do wasm[$m]=$(artifact "$m"); done
[[ -n "${1:-}" ]] && wasm[serde_derive-1.0.152]=$(readlink -f "$1")
# The precompiled view as a directory source: the corpus with each macro crate replaced by its shim, and the shims'
# support crate beside them. Registry crates, as the view serves them: cargo builds them without incremental
# compilation and with lints capped, as it builds the corpus crates of the native builds (a [patch] to a path would
# build the shims as local crates, ~0.4 s slower on (b)'s critical path).
view="$work/view"
mkdir -p "$view"
for d in "$corpus"/*/; do ln -s "${d%/}" "$view/"; done
registry_crate() { # .crate file -> unpacked into the view, checksummed as a registry crate
    local dir; dir=$(tar -tzf "$1" | awk -F/ 'NR == 1 {print $1}')   # reads it all: no SIGPIPE under pipefail
    rm -f "$view/$dir" && tar -xzf "$1" -C "$view"
    printf '{"package":"%s","files":{}}' "$(sha256sum "$1" | cut -d' ' -f1)" > "$view/$dir/.cargo-checksum.json"
}
java -cp "$cp" RuntimeBench support "$work/support.crate"
registry_crate "$work/support.crate"
for m in "${macros[@]}"; do
    java -cp "$cp" RuntimeBench shim "$corpus/$m/Cargo.toml" "${wasm[$m]}" "$work/$m.crate"
    registry_crate "$work/$m.crate"
done
serde_wasm=${wasm[serde_derive-1.0.152]}

crate() { # dir, kind (lib|app), the directory source its crates come from
    mkdir -p "$1/.cargo"
    printf '[source.crates-io]\nreplace-with = "local"\n[source.local]\ndirectory = "%s"\n' "$3" > "$1/.cargo/config.toml"
    if [[ $2 == lib ]]; then
        printf '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = "1"\nserde_json = "1"\nserde_derive = "=1.0.152"\n' > "$1/Cargo.toml"
        java -cp "$cp" RuntimeBench crate "$1" "$structs"
    else
        printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntokio = { version = "1", features = ["rt-multi-thread", "macros", "sync"] }\nserde = { version = "1", features = ["derive"] }\nserde_json = "1"\nthiserror = "1"\nasync-trait = "0.1"\n' > "$1/Cargo.toml"
        java -cp "$cp" RuntimeBench app "$1" "$app_structs"
    fi
    (cd "$1" && cargo generate-lockfile --offline -q)
}
crate "$work/native-a" lib "$corpus"
# (a) with serde_derive and syn/quote/proc-macro2 optimised: rustc's own share of expand_crate plus a fast macro,
# the floor under any way of running the macro
crate "$work/native-release-a" lib "$corpus"
printf '\n[profile.dev.build-override]\nopt-level = 3\n' >> "$work/native-release-a/Cargo.toml"
crate "$work/shim-a" lib "$view"
crate "$work/native-b" app "$corpus"
crate "$work/shim-b" app "$view"

export SANDCRATE_RUNTIME="$launcher" SANDCRATE_RUNTIME_DIR="$work/run" SANDCRATE_CACHE="$work/cache"
engine=${SANDCRATE_ENGINE:-$("$launcher" --help 2>&1 | tr -s " \n" " " | sed -n 's/.*(default: *\([a-z0-9]*\)).*/\1/p')}
seconds() { # command... -> wall seconds; fails loudly
    local s=$(date +%s%N)
    "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
    python3 -c "print(round(($(date +%s%N) - $s) / 1e9, 2))"
}
clean_build() { rm -rf "$1/target"; (cd "$1" && seconds cargo build --offline); }
edit_build() { echo "// edited $(date +%s%N)" >> "$1/src/main.rs"; (cd "$1" && seconds cargo build --offline); }
expand_time() { # dir: rustc's expand_crate for the crate alone, seconds
    touch "$1/src/lib.rs"
    (cd "$1" && RUSTC_BOOTSTRAP=1 cargo rustc --offline --lib -- -Z time-passes 2>&1 | awk '$NF == "expand_crate" {print $2; exit}' | tr -d ';')
}
stop_daemon() { "$launcher" stop >/dev/null 2>&1 || true; }
forget_answers() { rm -rf "$work/cache/runtime/expansions"; } # the daemons' expansion answers kept on disk
daemon_pids() { # the running daemon and its children (the engine worker runs Wasmtime in a child JVM)
    local pid; pid=$(pgrep -f "RuntimeCommand daemon --dir $work/run" | head -1)
    [[ -n "$pid" ]] && { echo "$pid"; pgrep -P "$pid" || true; }
}
daemon_hwm_mb() { # peak RSS of the daemon plus its engine worker (sum of each one's peak: an upper bound)
    local total=0 pid
    for pid in $(daemon_pids); do total=$((total + $(awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$pid/status"))); done
    echo "$total"
}
daemon_cpu_s() { # CPU seconds (user + system) the daemon, its engine worker and its ended children have used so far
    local pid  # (wasm2c's instance processes end with their rustc sessions: the daemon's cutime/cstime count them)
    for pid in $(daemon_pids); do awk -v tck="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13 + $14 + $15) / tck}' "/proc/$pid/stat"; done \
        | awk '{s += $1} END {print s + 0}'
}
results="$work/results.txt"
record() { # name value; a failed measurement (its command substitution printed nothing) ends the run
    [[ "$2" =~ ^[0-9.]+$ ]] || { echo "measurement $1 failed" >&2; exit 1; }
    echo "$1 $2" >> "$results"; echo "  $1 $2"
}

echo "== builds, interleaved ($rounds rounds; the clean shim builds start without a daemon and without answers on disk)"
for r in $(seq "$rounds"); do
    record native_a "$(clean_build "$work/native-a")"
    stop_daemon; forget_answers; record shim_a "$(clean_build "$work/shim-a")"; record rss_a "$(daemon_hwm_mb)"
    stop_daemon; record shim_a_again "$(clean_build "$work/shim-a")"   # after cargo clean: a new daemon, (a)'s answers on disk
    record native_b "$(clean_build "$work/native-b")"
    stop_daemon; forget_answers; record shim_b "$(clean_build "$work/shim-b")"
    record native_c "$(edit_build "$work/native-b")"
    record shim_c "$(edit_build "$work/shim-b")"   # the daemon (b) started is still up, as in an edit-build loop
    stop_daemon; record shim_c_cold "$(edit_build "$work/shim-b")"   # a new daemon (the last one idled out), answers on disk
done
(cd "$work/native-b" && cargo run --offline -q 2>/dev/null) > "$work/native-b.out"
(cd "$work/shim-b" && cargo run --offline -q 2>/dev/null) > "$work/shim-b.out"
(cd "$work/shim-b" && cargo test --offline -q >/dev/null 2>&1) && shim_tests=pass || shim_tests=FAIL
cmp -s "$work/native-b.out" "$work/shim-b.out" && [[ -s "$work/native-b.out" ]] && app_same=identical || app_same=DIFFERENT
compiled_shim=$(ls "$work/shim-b/target/debug/deps" | grep -cE '^lib(syn|quote|proc_macro2)-' || true)

echo "== per expansion: rustc expand_crate, 400 derives (warm daemon), interleaved"
# the macro runs on every call: the daemon's expansion cache is off here (it would answer all 400 from memory)
stop_daemon; SANDCRATE_EXPANSION_CACHE_MIB=0 expand_time "$work/shim-a" >/dev/null   # daemon up, module compiled, instance warm
expand_time "$work/native-release-a" >/dev/null   # builds its optimised dependencies once
for r in 1 2 3; do
    record expand_native "$(expand_time "$work/native-a")"
    record expand_native_release "$(expand_time "$work/native-release-a")"
    before=$(daemon_cpu_s)
    record expand_shim "$(expand_time "$work/shim-a")"
    record daemon_cpu "$(python3 -c "print(round($(daemon_cpu_s) - $before, 3))")"
done
# the same crate compiled again with the cache on (the first run fills it): what an edit-build loop pays per expansion
stop_daemon; expand_time "$work/shim-a" >/dev/null
for r in 1 2 3; do record expand_shim_cached "$(expand_time "$work/shim-a")"; done
for d in native-a shim-a; do
    touch "$work/$d/src/lib.rs"
    (cd "$work/$d" && RUSTC_BOOTSTRAP=1 cargo rustc --offline --lib -q -- -Zunpretty=expanded > "$work/$d.expanded.rs" 2>/dev/null)
done
if cmp -s "$work/native-a.expanded.rs" "$work/shim-a.expanded.rs"; then same=identical; else same="DIFFERENT ($(diff "$work/native-a.expanded.rs" "$work/shim-a.expanded.rs" | grep -c '^[<>]') lines)"; fi
stop_daemon
c1="-XX:-DontCompileHugeMethods -XX:TieredStopAtLevel=1 -XX:C1MaxInlineSize=80 -XX:+UseSerialGC -Xss16m --enable-native-access=ALL-UNNAMED"
java $c1 -cp "$cp" RuntimeBench engine "${SANDCRATE_ENGINE:--}" "$serde_wasm" "$structs" 5 > "$work/engine.json"

echo "== cold start: first macro call to first expansion (module compiled before), with and without the AOT cache;"
echo "   and a module's first-ever use (nothing cached: the ABI check and Cranelift's compile)"
for r in 1 2 3; do
    for mode in aot noaot first; do
        [[ $mode == noaot ]] && mv "$work/runtime/lib/runtime.aot" "$work/runtime.aot"
        rm -rf "$work/cold" && mkdir -p "$work/cold" && forget_answers   # the engine's cold path, not an answer from disk
        cache=$SANDCRATE_CACHE; [[ $mode == first ]] && cache="$work/cold/cache"
        record "cold_$mode" "$(SANDCRATE_CACHE=$cache java -cp "$cp" RuntimeBench cold "$launcher" "$serde_wasm" "$work/cold/run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["coldMs"])')"
        [[ $mode == noaot ]] && mv "$work/runtime.aot" "$work/runtime/lib/runtime.aot"
    done
done

echo "== report"
python3 - "$results" "$work/engine.json" "$here/report.md" <<PY
import json, sys, os, datetime, statistics
vals = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    vals.setdefault(k, []).append(float(v))
best = {k: min(v) for k, v in vals.items()}
med = {k: statistics.median(v) for k, v in vals.items()}
eng = json.load(open(sys.argv[2]))
per = lambda s: s * 1000 / (2 * $structs)
engine_ms = eng["bestRoundMs"] / eng["expansionsPerRound"]
shim_ms, native_ms = per(best["expand_shim"]), per(best["expand_native"])
around = min(e - d for e, d in zip(vals["expand_shim"], vals["daemon_cpu"]))
fmt = lambda k: " / ".join(f"{x:g}" for x in vals[k])
ratio_med = lambda shim, native: f"{med[shim] / med[native]:.2f}"   # one slow round moves a best-of-three less than a median
out = ["# Runtime benchmark\n",
    f"Generated by \`bench/runtime/run.sh\` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC in {int(__import__('time').time()) - $started} s, "
    f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} / {os.getloadavg()[2]:.1f} at the end "
    "(a shared machine: trust the ratios of interleaved runs more than absolute times). "
    f"Engine: **$engine**. Runtime bundle: $bundle_size. Artifacts precompiled by this checkout. Each cell lists every run; "
    "the ratios (and the RESULT line) compare the best runs, the builds' table also the medians.\n",
    "## Per expansion (400 serde derives, warm daemon, its expansion cache off)\n",
    "| | native debug serde_derive | native, serde_derive and syn optimised | shim | engine alone (in-process) |", "|---|---|---|---|---|",
    f"| rustc \`expand_crate\` s | {fmt('expand_native')} | {fmt('expand_native_release')} | {fmt('expand_shim')} | best round {eng['bestRoundMs']/1000:.2f} |",
    f"| per expansion ms (best) | {native_ms:.2f} | {per(best['expand_native_release']):.2f} | {shim_ms:.2f} | {engine_ms:.2f} |",
    f"| rustc \`expand_crate\` s, the shim's answers cached (the crate compiled again) | | | {fmt('expand_shim_cached')} | |",
    f"| daemon + engine worker CPU s (engine + dispatch) | | | {fmt('daemon_cpu')} | |",
    f"\nOutside the daemon's CPU (rustc's own work, the shim's token conversion, the socket, waiting for a core), "
    f"best round: {around:.2f} s, {100 * around / best['expand_native']:.0f}% of the native expansion. "
    f"Expanded output (\`-Zunpretty=expanded\`), native vs shim: **$same**.\n",
    # best of each: rustc's own work is at most the optimised native expansion; the cached shim run is rustc plus the
    # shim's conversion and the socket; the uncached one adds the engine and its dispatch
    f"Where the shim's expansion goes, best rounds: rustc's own work at most {best['expand_native_release']:.2f} s (the optimised native run), "
    f"the native debug macro about {best['expand_native'] - best['expand_native_release']:.2f} s on top of it, the shim's conversion and socket "
    f"about {best['expand_shim_cached'] - best['expand_native_release']:.2f} s, the engine and its dispatch about "
    f"{best['expand_shim'] - best['expand_shim_cached']:.2f} s. With the path around the engine free, the ratio would be "
    f"{(best['expand_native_release'] + best['expand_shim'] - best['expand_shim_cached']) / best['expand_native']:.2f}; "
    "below 1 only with an engine faster than the native debug macro.\n",
    "## Cold start (first macro call → first expansion, module compiled before, no daemon running)\n",
    "| launcher | ms |", "|---|---|",
    f"| with the JDK AOT cache (what install.sh sets up) | {fmt('cold_aot')} |",
    f"| without it | {fmt('cold_noaot')} |",
    f"| first-ever use of the module (nothing cached: the ABI check and Cranelift's compile; with the AOT cache) | {fmt('cold_first')} |",
    f"\nIn-process, the engine's own cold path: load {eng['loadMs']:.0f} ms, instantiate {eng['instantiateMs']:.0f} ms, first expansion {eng['firstExpandMs']:.0f} ms.\n",
    "## Clean \`cargo build\`: from source vs shims\n",
    "| | from source s | shims s | ratio (best) | ratio (median) |", "|---|---|---|---|---|",
    f"| (a) serde + serde_json + $structs structs | {fmt('native_a')} | {fmt('shim_a')} | {best['shim_a']/best['native_a']:.2f} | {ratio_med('shim_a', 'native_a')} |",
    f"| (a) again after \`cargo clean\` (a new daemon; (a)'s answers on disk) | | {fmt('shim_a_again')} | {best['shim_a_again']/best['native_a']:.2f} | {ratio_med('shim_a_again', 'native_a')} |",
    f"| (b) app: tokio, serde, thiserror, async-trait, $app_structs structs | {fmt('native_b')} | {fmt('shim_b')} | {best['shim_b']/best['native_b']:.2f} | {ratio_med('shim_b', 'native_b')} |",
    f"| (c) (b) after editing main.rs | {fmt('native_c')} | {fmt('shim_c')} (daemon running, its expansion cache holding (b)'s answers); {fmt('shim_c_cold')} (daemon started by it; (b)'s answers on disk) | {best['shim_c']/best['native_c']:.2f} | {ratio_med('shim_c', 'native_c')} |",
    f"\nDaemon + engine worker peak RSS after (a): {fmt('rss_a')} MB. Shimmed app: syn/quote/proc-macro2 compiled: {'yes' if int('$compiled_shim') else 'no'}; "
    f"its output equals the native build's: $app_same; its tests: $shim_tests.\n",
    f"RESULT expand_ratio={shim_ms/native_ms:.2f} cold_ms={best['cold_aot']:.0f} build_a_ratio={best['shim_a']/best['native_a']:.2f} "
    f"build_b_ratio={best['shim_b']/best['native_b']:.2f} build_c_ratio={best['shim_c']/best['native_c']:.2f} rss_mb={max(vals['rss_a']):.0f}"]
open(sys.argv[3], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
