#!/bin/sh
# Installs the Sandcrate runtime for the current user: curl -fsSL @REGISTRY_URL@/runtime/install.sh | sh
# Downloads the self-contained bundle (Java image + jars + launcher), checks its sha256, and unpacks it into
# ~/.sandcrate/runtime, where the generated shims look for it (or set SANDCRATE_RUNTIME to the launcher).
set -eu
registry="${SANDCRATE_REGISTRY:-@REGISTRY_URL@}"
bundle="sandcrate-runtime-linux-$(uname -m).tar.gz"
dest="${SANDCRATE_RUNTIME_HOME:-$HOME/.sandcrate/runtime}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "downloading $registry/runtime/$bundle"
curl -fsSL -o "$tmp/$bundle" "$registry/runtime/$bundle"
expected=$(curl -fsSL "$registry/runtime/$bundle.sha256" | cut -d' ' -f1)
actual=$(sha256sum "$tmp/$bundle" | cut -d' ' -f1)
if [ "$expected" != "$actual" ]; then
    echo "sandcrate: checksum mismatch for $bundle (expected $expected, got $actual); nothing installed" >&2
    exit 1
fi
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/$bundle" -C "$tmp/unpacked"
"$tmp/unpacked/bin/sandcrate-runtime" --version >/dev/null
# replace the previous install in one step and stop its daemon so the next build uses the new runtime
if [ -x "$dest/bin/sandcrate-runtime" ]; then "$dest/bin/sandcrate-runtime" stop >/dev/null 2>&1 || true; fi
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.old"
if [ -e "$dest" ]; then mv "$dest" "$dest.old"; fi
mv "$tmp/unpacked" "$dest"
rm -rf "$dest.old"
# the JVM's AOT cache for a faster daemon start; the runtime works without it
"$dest/bin/sandcrate-runtime" aot-cache >/dev/null 2>&1 || echo "sandcrate: could not create the runtime's AOT cache (slower start)" >&2
echo "installed $("$dest/bin/sandcrate-runtime" --version) in $dest"
