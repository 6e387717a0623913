#!/bin/bash
# Builds the self-contained runtime bundle the registry serves to consumers:
#   sandbox-runtime/target/bundle/sandcrate-runtime-linux-<arch>.tar.gz (+ .sha256)
# containing jre/ (a jlink image of java.base), lib/ (the runtime and its jars, wasmtime-java with this platform's
# JNI library only; GraalWasm left out: see docs/runtime.md), bin/sandcrate-runtime (launcher). The tarball is
# packed with fixed order, mtimes and owners.
# The JDK AOT cache (lib/runtime.aot) is not in it (its bytes differ per run): install.sh makes it on the consumer's
# machine with `sandcrate-runtime aot-cache`.
set -eu
# The AOT cache's training input (`sandcrate-runtime aot-cache`, see the launcher and AotTraining): protocol frames
# PING, LOAD of a 191-byte ABI module whose sandcrate_expand returns its input, and EXPAND. AotTraining uses the
# module and makes its own request, in the runtime's current wire format.
training_hex="0100000003c0000000020061736d010000000114046000017f60017f017f60027f7f017e6000017e03050400010203050301\
00020607017f014180200b075e05066d656d6f727902001573616e6463726174655f6162695f76657273696f6e00000f7361\
6e6463726174655f616c6c6f6300011073616e6463726174655f657870616e6400021473616e6463726174655f6c6173745f\
70616e696300030a2a04040041010b1101017f23002101230020006a240020010b0c002000ad4220862001ad840b04004200\
0b310000000101000000ce35a973dbd03c95a255753359e00a7420362813de2edc3978f645ca5cfda5595343574601000100\
00000000"
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
# an explicit class path, sorted: the AOT cache made from it stays valid wherever the bundle is unpacked
classpath=$(cd "$stage/lib" && ls *.jar | LC_ALL=C sort | sed 's|^|$home/lib/|' | paste -sd:)
sed "s|@CLASSPATH@|\"$classpath\"|" bundle/sandcrate-runtime > "$stage/bin/sandcrate-runtime"
printf "$(echo "$training_hex" | sed 's/../\\x&/g')" > "$stage/lib/aot-training.bin"
chmod 755 "$stage/bin/sandcrate-runtime"
name="sandcrate-runtime-linux-$(uname -m).tar.gz"
(cd "$stage" && tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -cf - bin jre lib) | gzip -n -9 > "$out/$name"
(cd "$out" && sha256sum "$name" > "$name.sha256")
cp bundle/install.sh "$out/install.sh"   # the registry serves it beside the bundle, with its URL filled in
rm -rf "$stage"
echo "$out/$name ($(du -h "$out/$name" | cut -f1)) sha256 $(cut -d' ' -f1 "$out/$name.sha256")"
