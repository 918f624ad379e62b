#!/bin/bash
# Create a cluster in $PGDATA if it is empty, then exec postgres in the
# foreground (log on stderr). Environment:
#   POSTGRES_PASSWORD  password of the "postgres" superuser (default: postgres)
#   POSTGRES_DB        extra database to create on first start (optional)
set -euo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-postgres}
POSTGRES_DB=${POSTGRES_DB:-}
export PGDATA

# No arguments or only options (`-c x=y`): start postgres with them.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi
# Anything other than a postgres start (e.g. `bash`) runs as given.
if [ "$1" != postgres ]; then
    exec "$@"
fi
shift

# As root: fix ownership, then re-run this script as the postgres user.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /run/postgresql
    chown postgres:postgres "$PGDATA" /run/postgresql
    chmod 0700 "$PGDATA"
    chmod 2775 /run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    # --no-sync: a fresh, disposable test cluster; skipping the final fsync
    # saves a little on slow storage drivers (fuse-overlayfs).
    initdb -D "$PGDATA" --username=postgres --pwfile="$pwfile" --no-sync \
        --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    {
        echo
        echo "# docker-entrypoint.sh: password auth from anywhere"
        echo "host all all all scram-sha-256"
    } >>"$PGDATA/pg_hba.conf"
    {
        echo
        echo "listen_addresses = '*'"
        echo "unix_socket_directories = '/run/postgresql'"
    } >>"$PGDATA/postgresql.conf"
    if [ -n "$POSTGRES_DB" ] && [ "$POSTGRES_DB" != postgres ]; then
        # single-user mode: no server start/stop round trip needed
        ident=${POSTGRES_DB//\"/\"\"}
        echo "CREATE DATABASE \"$ident\"" \
            | postgres --single -D "$PGDATA" -j postgres >/dev/null
    fi
    echo "docker-entrypoint.sh: initialized cluster in $PGDATA" >&2
fi

exec postgres -D "$PGDATA" "$@"
