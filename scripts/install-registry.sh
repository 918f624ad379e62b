#!/usr/bin/env bash
# The distribution registry (Debian's docker-registry) for tests that pull from a registry of
# their own on 127.0.0.1 (no public registry is reachable here), and `htpasswd` (apache2-utils)
# for the one that asks for a login. Idempotent; fast when present.
set -euo pipefail
command -v docker-registry >/dev/null 2>&1 && command -v htpasswd >/dev/null 2>&1 && exit 0
[ "$(id -u)" -eq 0 ] || { echo "install-registry: docker-registry or htpasswd is missing and this is not root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq docker-registry apache2-utils >/dev/null
# The package enables a service on the default port; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
command -v docker-registry >/dev/null
command -v htpasswd >/dev/null
