#!/usr/bin/env bash
# The whole test suite on a fresh machine: base images (idempotent, fast when present), then
# every test of the workspace against the real engine, the examples once more under nextest
# (a process per test) when it is installed, then a check that nothing leaked.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
scripts/prepare-images.sh all
scripts/install-docker-compose.sh
cargo test --workspace --all-targets "$@"
if cargo nextest --version >/dev/null 2>&1; then
    # Under nextest the session's reaper removes the shared containers after the last test
    # process; a short grace lets the leak check below see the result.
    SCENARIO_REAPER_GRACE_MS=1000 cargo nextest run -p examples --no-fail-fast
else
    echo "cargo-nextest not installed: skipping the nextest run of the examples" >&2
fi
scripts/check-leaks.sh "$started"
