#!/bin/bash
# Runtime benchmark: engines (cold start, warm expansion, memory) and a consumer crate built with serde_derive
# from source vs. with the Sandcrate shim (clean build time, rustc's macro expansion time, expanded output equality).
#
#   bench/runtime/run.sh PATH/TO/serde_derive-1.0.152-default.wasm [STRUCTS]
#
# The artifact comes from the precompile pipeline (./sandcrate precompile ...). Writes bench/runtime/report.md.
# Uses Debian's crate sources (/usr/share/cargo/registry) offline and the consumer toolchain `cargo` on PATH.
set -euo pipefail
wasm=$(readlink -f "$1")
structs=${2:-200}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/scripts/env.sh"
work=$(mktemp -d /tmp/sandcrate-bench.XXXXXX)
trap 'SANDCRATE_RUNTIME_DIR="$work/run" "$launcher" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
launcher="$work/runtime/bin/sandcrate-runtime"
export CARGO_BUILD_JOBS=2 CARGO_TERM_COLOR=never
debian=/usr/share/cargo/registry
original_toml="$debian/serde_derive-1.0.152/Cargo.toml"

echo "== building the runtime, the precompiler and the bundle"
# package, not install: the checkout's classes go first on the classpath, nothing lands in the shared ~/.m2
(cd "$repo" && mvn -B -q -pl index,sandbox-runtime,precompile -am package -DskipTests)
cp_file="$work/cp.txt"
(cd "$repo/precompile" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime)
classes="$work/classes"
mkdir -p "$classes"
cp="$repo/precompile/target/classes:$repo/sandbox-runtime/target/classes:$repo/index/target/classes:$(cat "$cp_file")"
javac -d "$classes" -cp "$cp" "$here/RuntimeBench.java"
cp="$classes:$cp"
"$repo/sandbox-runtime/bundle/build.sh" >/dev/null
mkdir -p "$work/runtime"
tar -xzf "$repo"/sandbox-runtime/target/bundle/sandcrate-runtime-linux-*.tar.gz -C "$work/runtime"
bundle_size=$(du -h "$repo"/sandbox-runtime/target/bundle/sandcrate-runtime-linux-*.tar.gz | cut -f1)

echo "== engines ($structs structs, Serialize + Deserialize each)"
engine_json="$work/engines.jsonl"
cache="$work/classcache"
c1="-XX:-DontCompileHugeMethods -XX:TieredStopAtLevel=1 -XX:C1MaxInlineSize=80"   # what the bundle's launcher uses
java $c1 -cp "$cp" RuntimeBench engine chicory "$wasm" "$structs" 10 "$cache" >> "$engine_json"
java $c1 -cp "$cp" RuntimeBench engine chicory "$wasm" "$structs" 10 "$cache" >> "$engine_json"
java -XX:-DontCompileHugeMethods -cp "$cp" RuntimeBench engine chicory "$wasm" "$structs" 10 "$cache" | sed 's/"chicory"/"chicory (C2)"/' >> "$engine_json"
graal=$(cd "$repo/sandbox-runtime" && mvn -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime | tr ':' '\n' | grep /org/graalvm/ | grep '\.jar$')
mvn -B -q dependency:get -Dartifact=org.graalvm.compiler:compiler:25.0.2 >/dev/null
compiler=$(ls ~/.m2/repository/org/graalvm/compiler/compiler/25.0.2/compiler-25.0.2.jar)
upgrade="$compiler:$(echo "$graal" | grep -E '/(collections|word|nativeimage|truffle-compiler)-' | paste -sd:)"
modules=$(echo "$graal" | grep -vE '/(collections|word|nativeimage|truffle-compiler)-' | paste -sd:)
java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path="$upgrade" --module-path="$modules" \
    --add-modules=org.graalvm.polyglot -Dpolyglot.engine.Mode=latency --sun-misc-unsafe-memory-access=allow \
    -cp "$cp" RuntimeBench engine graalwasm "$wasm" "$structs" 10 - 2>/dev/null >> "$engine_json"
cat "$engine_json"

echo "== consumer crate: serde_derive from source vs. shim"
java -cp "$cp" RuntimeBench shim "$original_toml" "$wasm" "$work/shim.crate"
mkdir -p "$work/shim" && tar -xzf "$work/shim.crate" -C "$work/shim"
shim_dir=$(ls -d "$work"/shim/serde_derive-*)
make_consumer() { # dir, extra Cargo.toml text
    mkdir -p "$1/.cargo"
    printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "%s"\n' "$debian" > "$1/.cargo/config.toml"
    printf '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = "1"\nserde_json = "1"\nserde_derive = "=1.0.152"\n%s' "$2" > "$1/Cargo.toml"
    java -cp "$cp" RuntimeBench crate "$1" "$structs"
}
make_consumer "$work/native" ""
make_consumer "$work/shimmed" "$(printf '\n[patch.crates-io]\nserde_derive = { path = "%s" }\n' "$shim_dir")"
seconds() { local s=$(date +%s%N); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }; python3 -c "print(round(($(date +%s%N) - $s) / 1e9, 1))"; }
expand_time() { # dir: rustc's expand_crate time for the consumer crate alone, in seconds
    touch "$1/src/lib.rs"
    (cd "$1" && RUSTC_BOOTSTRAP=1 cargo rustc --offline --lib -- -Z time-passes 2>&1 | awk '$NF == "expand_crate" {print $2; exit}' | tr -d ';')
}
export SANDCRATE_RUNTIME="$launcher" SANDCRATE_RUNTIME_DIR="$work/run" SANDCRATE_CACHE="$work/shimcache"
native_build=$(cd "$work/native" && seconds cargo build --offline)
native_expand=$(expand_time "$work/native")
(cd "$work/native" && cargo test --offline -q >/dev/null 2>&1) && native_tests=pass || native_tests=FAIL
shim_build_cold=$(cd "$work/shimmed" && seconds cargo build --offline)   # daemon not running, nothing cached
shim_expand_warm=$(expand_time "$work/shimmed")                          # daemon up, module compiled and warm
"$launcher" stop >/dev/null
shim_expand_cold_cached=$(expand_time "$work/shimmed")                   # fresh daemon, compiled classes on disk
(cd "$work/shimmed" && cargo test --offline -q >/dev/null 2>&1) && shim_tests=pass || shim_tests=FAIL
for d in native shimmed; do
    touch "$work/$d/src/lib.rs"
    (cd "$work/$d" && RUSTC_BOOTSTRAP=1 cargo rustc --offline --lib -q -- -Zunpretty=expanded > "$work/$d.expanded.rs" 2>/dev/null)
done
if cmp -s "$work/native.expanded.rs" "$work/shimmed.expanded.rs"; then same=identical; else same="DIFFERENT ($(diff "$work/native.expanded.rs" "$work/shimmed.expanded.rs" | grep -c '^[<>]') lines)"; fi
compiled_native=$(cd "$work/native" && cargo build --offline -v 2>&1 | grep -cE 'Fresh (syn|quote|proc-macro2) ' || true)
compiled_shim=$(cd "$work/shimmed" && cargo build --offline -v 2>&1 | grep -cE 'Fresh (syn|quote|proc-macro2) ' || true)

echo "== report"
python3 - "$engine_json" "$here/report.md" <<PY
import json, sys, os, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
out = []
out.append("# Runtime benchmark\n")
out.append(f"Generated by \`bench/runtime/run.sh\` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
           f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared: numbers are noisy). "
           f"Artifact: serde_derive 1.0.152 ({os.path.getsize('$wasm')//1024} KiB wasm). Input: $structs structs, "
           f"each with \`#[derive(Serialize, Deserialize)]\` and serde attributes ({2*$structs} expansions per round).\n")
out.append("## Engines (in-process, one JVM per row)\n")
out.append("| engine | compiled-class cache | load ms | instantiate ms | first expansion ms | cold: JVM start to first expansion ms | first round ms | best round ms | median round ms | per expansion (best) ms | peak RSS MB |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|")
for i, r in enumerate(rows):
    cache = "—" if not r["engine"].startswith("chicory") else ("empty" if i == 0 else "filled")
    out.append(f"| {r['engine']} | {cache} | {r['loadMs']:.0f} | {r['instantiateMs']:.0f} | {r['firstExpandMs']:.0f} | {r['coldFromJvmStartMs']:.0f} | "
               f"{r['firstRoundMs']:.0f} | {r['bestRoundMs']:.0f} | {r['medianRoundMs']:.0f} | {r['bestRoundMs']/r['expansionsPerRound']:.1f} | {r['peakRssMb']} |")
out.append("\nGraalWasm runs with its JIT (JVMCI + \`org.graalvm.compiler:compiler\` on the upgrade module path, \`-Dpolyglot.engine.Mode=latency\`). "
           "Chicory compiles the module to JVM bytecode when loaded; rows marked chicory run with the launcher's flags "
           "(\`-XX:-DontCompileHugeMethods -XX:TieredStopAtLevel=1 -XX:C1MaxInlineSize=80\`, C1 only), chicory (C2) with full tiered compilation.\n")
out.append("## Consumer crate: serde_derive from source vs. the shim\n")
out.append("| measurement | from source (native, debug) | shim (sandboxed wasm, Chicory) |")
out.append("|---|---|---|")
out.append(f"| clean \`cargo build\` (deps incl. serde, serde_json) s | $native_build | $shim_build_cold (daemon started by the build, module compiled) |")
out.append(f"| rustc \`expand_crate\` of the consumer crate s | $native_expand | $shim_expand_warm (warm daemon); $shim_expand_cold_cached (new daemon, compiled classes cached) |")
out.append(f"| syn/quote/proc-macro2 compiled | {'yes' if int('$compiled_native') > 0 else 'no'} | {'yes' if int('$compiled_shim') > 0 else 'no'} |")
out.append(f"| consumer's own tests (serde_json round trip) | $native_tests | $shim_tests |")
out.append(f"\nExpanded output (\`-Zunpretty=expanded\`) of the consumer crate, native vs. shim: **$same**. Runtime bundle size: $bundle_size.\n")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
