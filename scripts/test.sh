#!/usr/bin/env bash
# The whole test suite: the Rust workspace built into every artifact (natively, against rustc itself), then the unit
# tests of every Java module and the end-to-end tests with real cargo and real crates.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$SANDCRATE_HOME/scripts/setup.sh" --test
cd "$SANDCRATE_HOME"
echo "== Rust: precompile/rust (wire format, bridge server, harness) =="
(cd precompile/rust && RUSTC_BOOTSTRAP=1 /usr/bin/cargo test --offline)
echo "== Java: mvn verify =="
exec mvn -B verify "$@"
