#!/usr/bin/env bash
# Installs what Sandcrate needs on a Debian bookworm machine. Idempotent and quick when all is there.
#   scripts/setup.sh          what the registry needs to run and precompile
#   scripts/setup.sh --test   plus the test corpus (real crates from Debian) and the browser
#   scripts/setup.sh --bench  plus the system libraries the coverage benchmark's call sites link (bench/coverage)
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The pinned wasm toolchain (docs/precompile.md): Debian's rustc-web 1.96 with its std sources, lld, bubblewrap.
packages=(maven rustc-web cargo-web rust-web-src lld bubblewrap)
if [[ "${1:-}" == "--test" ]]; then
  # Real proc-macro crates and their dependencies, unpacked under /usr/share/cargo/registry.
  packages+=(librust-serde-derive-dev librust-serde-dev librust-serde-json-dev librust-thiserror-dev
             librust-async-trait-dev)
  packages+=(librust-const-random-macro-dev)  # precompile service tests: an ineligible macro (proc-macro dependency, randomness)
  # The browser the web UI tests drive (Selenium with Debian's chromedriver).
  packages+=(chromium chromium-driver)
  packages+=(librust-paste-dev)  # precompile tests: a function-like macro (paste!) compared with native expansion
  packages+=(postgresql)  # PostgreSQL 15 tests: each starts its own throwaway cluster (PostgresCluster), no service needed
  packages+=(haproxy)     # ReplicasDeploymentTest: the load balancer in front of three replicas, started by the test
  packages+=(wabt gcc)    # Wasm2cEngineTest: the opt-in wasm2c engine translates modules with wasm2c, compiles them with cc
fi
if [[ "${1:-}" == "--bench" ]]; then
  # The corpus's -sys crates find these with pkg-config: glib-macros', gtk3-macros' and gtk4-macros' call sites build on them.
  packages+=(libglib2.0-dev libgtk-3-dev libgtk-4-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sandcrate setup: installing ${missing[*]}" >&2
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
  echo "sandcrate setup: no JDK 25 at $JAVA_HOME (set SANDCRATE_JAVA_HOME to a JDK 25 install)" >&2
  exit 1
fi

if [[ "${1:-}" == "--test" ]]; then
  # The Debian corpus: every librust-*-dev package, downloaded once and cached (the full-mirror test imports it).
  "$(dirname "$0")/debian-corpus.sh" >/dev/null
fi
