#!/usr/bin/env bash
# The main job: the example scenarios against the real engine (images are built on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/prepare-images.sh all
cargo test -p examples "$@"
