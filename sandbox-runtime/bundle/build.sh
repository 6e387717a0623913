#!/bin/bash
# Builds the self-contained runtime bundle the registry serves to consumers:
#   sandbox-runtime/target/bundle/sandcrate-runtime-linux-<arch>.tar.gz (+ .sha256)
# containing jre/ (a jlink image of java.base), lib/ (the runtime and its jars, wasmtime-java with this platform's
# JNI library only; GraalWasm left out: see docs/runtime.md), bin/sandcrate-runtime (launcher). The tarball is
# packed with fixed order, mtimes and owners.
set -eu
module=$(cd "$(dirname "$0")/.." && pwd)
. "$module/../scripts/env.sh"
cd "$module"
mvn -B -q package -DskipTests
out="$module/target/bundle"
stage="$out/stage"
rm -rf "$out"
mkdir -p "$stage/bin" "$stage/lib"
mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DexcludeGroupIds=org.graalvm.polyglot,org.graalvm.sdk,org.graalvm.wasm,org.graalvm.truffle -DoutputDirectory="$stage/lib"
cp target/sandcrate-sandbox-runtime-*.jar "$stage/lib/"
# wasmtime-java carries its JNI library for five platforms; keep this platform's only (18 MB of the 24 MB jar)
wasmtime_jar=$(ls "$stage"/lib/wasmtime-java-*.jar)
zip -q -d "$wasmtime_jar" $(unzip -Z1 "$wasmtime_jar" | grep -E '\.(so|dylib|dll)$' | grep -v "_linux_$(uname -m)\.so$")
"$JAVA_HOME/bin/jlink" --add-modules java.base --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$stage/jre"
cp bundle/sandcrate-runtime "$stage/bin/"
chmod 755 "$stage/bin/sandcrate-runtime"
name="sandcrate-runtime-linux-$(uname -m).tar.gz"
(cd "$stage" && tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -cf - bin jre lib) | gzip -n -9 > "$out/$name"
(cd "$out" && sha256sum "$name" > "$name.sha256")
cp bundle/install.sh "$out/install.sh"   # the registry serves it beside the bundle, with its URL filled in
rm -rf "$stage"
echo "$out/$name ($(du -h "$out/$name" | cut -f1)) sha256 $(cut -d' ' -f1 "$out/$name.sha256")"
