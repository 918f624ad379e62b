#!/usr/bin/env bash
# What the engine tests start themselves (tests/tests/engine_tls.rs, engine_podman.rs): Podman
# (Debian's package, serving the Docker API on a test's own socket), openssl (certificates for a
# TLS dockerd), ip and nsenter (its network namespace). Idempotent: with everything present it
# only looks, and `apt-get update` runs only when something is missing.
set -euo pipefail

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Where containers may not set rlimits (this CI's sandbox), Podman's default `nofile`/`nproc`
# ulimits make every container fail to start; an empty list keeps the engine's own.
conf=/etc/containers/containers.conf
mkdir -p "$(dirname "$conf")"
if ! grep -q '^default_ulimits' "$conf" 2>/dev/null; then
    if grep -q '^\[containers\]' "$conf" 2>/dev/null; then
        sed -i 's/^\[containers\]$/[containers]\ndefault_ulimits = []/' "$conf"
    else
        printf '[containers]\ndefault_ulimits = []\n' >>"$conf"
    fi
fi
