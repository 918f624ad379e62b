#!/usr/bin/env bash
# The whole test suite on a fresh machine: base images (idempotent, fast when present), then
# every test of the workspace against the real engine, the examples once more under nextest
# (a process per test) when it is installed, then a check that nothing leaked.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
scripts/prepare-images.sh all
scripts/install-engine-tools.sh
scripts/install-docker-compose.sh
scripts/install-registry.sh
cargo fmt --check
cargo clippy --workspace --all-targets -- -D warnings
# Every public item of the runtime says what it is.
RUSTDOCFLAGS="-D missing_docs -D warnings" cargo doc -p scenario-runtime --no-deps
cargo test --workspace --all-targets "$@"
# The macros never panic: 16,000 mutated or random inputs each for #[container], #[scenario]
# and the compose reader (about a minute in all).
cargo test -p scenario-macros --lib never_panics -- --ignored
# The runtime builds beside crates that turn on bollard's date features (testcontainers: time).
cargo test -p scenario-runtime --lib --features bollard/time -- scope::
cargo check -p scenario-runtime --all-targets --features bollard/chrono
# The first-day commands, literally: cargo passes the words after `--` to every test target of
# the package. The second --reuse run attaches to what the first kept alive; `cargo scenario
# down` then removes the kept containers.
cargo test -p examples -- --reuse
cargo test -p examples -- --reuse
cargo run -q -p scenario-cli -- down quickstart
cargo run -q -p scenario-cli -- down checkout
cargo run -q -p scenario-cli -- down compose_weblog
cargo test -p examples -- --instances 2
cargo test -p examples -- --prestart-pool
if cargo nextest --version >/dev/null 2>&1; then
    # Under nextest the session's reaper removes the shared containers after the last test
    # process; a short grace lets the leak check below see the result.
    SCENARIO_REAPER_GRACE_MS=1000 cargo nextest run -p examples --no-fail-fast
else
    echo "cargo-nextest not installed: skipping the nextest run of the examples" >&2
fi
scripts/check-leaks.sh "$started"
