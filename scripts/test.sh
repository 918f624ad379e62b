#!/usr/bin/env bash
# The whole test suite on a fresh machine: base images (idempotent, fast when present), then
# every test of the workspace against the real engine, then a check that nothing leaked.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/prepare-images.sh all
cargo test --workspace --all-targets "$@"
scripts/check-leaks.sh
