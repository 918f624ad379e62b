#!/usr/bin/env bash
# Fails if the engine holds a container, network or volume with dev.scenario.managed=true that
# is not kept alive on purpose (dev.scenario.reuse=true), or an image built for a test fixture. With a unix time as $1, only what was
# created since then counts: leftovers of other runs on a shared engine are not this run's.
# A session's reaper removes its resources a grace period after its last process: wait for that
# (SCENARIO_LEAK_WAIT seconds, default 15) before calling anything a leak.
set -euo pipefail
since=${1:-0}
filter=(--filter label=dev.scenario.managed=true)

# Prints "<kind> <name>" for each managed, not kept-alive resource created at or after $since.
list_leaks() {
    local kind ids
    for kind in container network volume; do
        case $kind in
            container) ids=$(docker ps -aq "${filter[@]}") ;;
            network) ids=$(docker network ls -q "${filter[@]}") ;;
            volume) ids=$(docker volume ls -q "${filter[@]}") ;;
        esac
        [ -n "$ids" ] || continue
        # shellcheck disable=SC2086
        docker "$kind" inspect $ids --format \
            '{{if .Name}}{{.Name}}{{end}}|{{if eq "'"$kind"'" "volume"}}{{.CreatedAt}}{{else}}{{.Created}}{{end}}|{{if eq "'"$kind"'" "container"}}{{index .Config.Labels "dev.scenario.reuse"}}{{else}}{{index .Labels "dev.scenario.reuse"}}{{end}}' 2>/dev/null |
        while IFS='|' read -r name created reuse; do
            [ "$reuse" = true ] && continue
            created_s=$(date -d "$created" +%s 2>/dev/null || echo 0)
            [ "$created_s" -ge "$since" ] && echo "$kind ${name#/}"
        done
    done
    # Images built for test fixtures, whose contexts live in the temp folder (the examples'
    # contexts live in the repo and target/, and their images are kept on purpose as a cache).
    local tmp=${TMPDIR:-/tmp} id dir
    for id in $(docker image ls -q "${filter[@]}" --filter label=dev.scenario.build-context-dir | sort -u); do
        docker image inspect "$id" --format \
            '{{index .Config.Labels "dev.scenario.build-context-dir"}}|{{.Created}}|{{join .RepoTags ","}}' 2>/dev/null |
        while IFS='|' read -r dir created name; do
            created_s=$(date -d "$created" +%s 2>/dev/null || echo 0)
            if [[ "$dir" == "$tmp"/* && "$created_s" -ge "$since" ]]; then echo "image ${name:-$id} (built from $dir)"; fi
        done
    done
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
