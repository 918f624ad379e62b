#!/usr/bin/env bash
# What the engine tests start themselves (tests/tests/engine_tls.rs, engine_podman.rs, the CLI's
# doctor test): Podman (Debian's package, serving the Docker API on a test's own socket), uidmap
# and a user of its own for a rootless Podman, openssl (certificates for a TLS dockerd), ip and
# nsenter (its network namespace). Idempotent: with everything present it only looks, and
# `apt-get update` runs only when something is missing.
set -euo pipefail

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v newuidmap >/dev/null 2>&1 || missing+=(uidmap)
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

# The user a rootless Podman runs as in the doctor test, with the subordinate ids rootless
# Podman maps its containers' users to.
rootless=scenario-rootless
if ! id "$rootless" >/dev/null 2>&1; then
    useradd --create-home --shell /usr/sbin/nologin "$rootless"
fi
if ! grep -q "^$rootless:" /etc/subuid 2>/dev/null || ! grep -q "^$rootless:" /etc/subgid 2>/dev/null; then
    usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$rootless"
fi
