#!/usr/bin/env bash
# Fails if the engine holds a container, network or volume with dev.scenario.managed=true that
# is not kept alive on purpose (dev.scenario.reuse=true).
set -euo pipefail
# A session's reaper removes its resources a grace period after its last process: wait for
# that (SCENARIO_LEAK_WAIT seconds, default 15) before calling anything a leak.
filter=(--filter label=dev.scenario.managed=true)
list_leaks() {
    {
        docker ps -a "${filter[@]}" --format 'container {{.Names}} reuse={{.Label "dev.scenario.reuse"}}'
        docker network ls "${filter[@]}" --format 'network {{.Name}} reuse={{.Label "dev.scenario.reuse"}}'
        docker volume ls "${filter[@]}" --format 'volume {{.Name}} reuse={{.Label "dev.scenario.reuse"}}'
    } | grep -v 'reuse=true$' || true
}
deadline=$((SECONDS + ${SCENARIO_LEAK_WAIT:-15}))
leaks=$(list_leaks)
while [ -n "$leaks" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 1
    leaks=$(list_leaks)
done
if [ -n "$leaks" ]; then
    echo "check-leaks: resources with dev.scenario.managed=true left on the engine:" >&2
    printf '  %s\n' "$leaks" >&2
    exit 1
fi
echo "check-leaks: nothing left behind" >&2
