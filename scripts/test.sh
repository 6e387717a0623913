#!/usr/bin/env bash
# The whole test suite: unit tests of every module, then end-to-end tests with real cargo and real crates.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$SANDCRATE_HOME/scripts/setup.sh" --test
cd "$SANDCRATE_HOME"
exec mvn -B verify "$@"
