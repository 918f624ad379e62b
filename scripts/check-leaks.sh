#!/usr/bin/env bash
# Fails if the engine holds a container, network or volume with dev.scenario.managed=true that
# is not kept alive on purpose (dev.scenario.reuse=true).
set -euo pipefail
filter=(--filter label=dev.scenario.managed=true)
leaks=$(
    {
        docker ps -a "${filter[@]}" --format 'container {{.Names}} reuse={{.Label "dev.scenario.reuse"}}'
        docker network ls "${filter[@]}" --format 'network {{.Name}} reuse={{.Label "dev.scenario.reuse"}}'
        docker volume ls "${filter[@]}" --format 'volume {{.Name}} reuse={{.Label "dev.scenario.reuse"}}'
    } | grep -v 'reuse=true$' || true
)
if [ -n "$leaks" ]; then
    echo "check-leaks: resources with dev.scenario.managed=true left on the engine:" >&2
    printf '  %s\n' "$leaks" >&2
    exit 1
fi
echo "check-leaks: nothing left behind" >&2
