#!/usr/bin/env bash
# The compose tool that scenario-macros' conformance test compares the compose reading with:
# the `docker compose` plugin when present, else Debian's docker-compose. Idempotent.
set -euo pipefail
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
    exit 0
fi
apt-get update
apt-get install -y --no-install-recommends docker-compose
