#!/usr/bin/env bash
# Prepare the local base images that the project's Dockerfiles build FROM.
#
# No container registry is reachable on the machines this runs on, so the
# images are made locally and tagged like the official ones (a user with
# registry access gets the real image from the same Dockerfile instead).
#
#   scripts/prepare-images.sh            busybox:1.35 only (about a second)
#   scripts/prepare-images.sh debian     debian:bookworm-slim (debootstrap, ~30-60 s)
#   scripts/prepare-images.sh all        both
#   scripts/prepare-images.sh busybox    busybox:1.35 only
#
# Idempotent: an image that already exists is left alone, so a run with
# nothing to do costs only a `docker image inspect` per image. Prints one
# line per image on stderr and nothing else on success.
set -euo pipefail

BUSYBOX_IMAGE=busybox:1.35
DEBIAN_IMAGE=debian:bookworm-slim
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '%s\n' "$*" >&2; }
die() { log "prepare-images: $*"; exit 1; }

usage() {
    log "usage: $0 [busybox|debian|all]..."
    exit 2
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# Run a noisy command quietly; show its output only if it fails.
quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | tail -n 40 >&2
        die "command failed ($rc): $*"
    fi
}

APT_UPDATED=0
ensure_pkg() { # ensure_pkg PACKAGE TEST-COMMAND...
    local pkg=$1; shift
    "$@" >/dev/null 2>&1 && return 0
    [ "$(id -u)" -eq 0 ] || die "$pkg is missing and not running as root to install it"
    if [ "$APT_UPDATED" -eq 0 ]; then
        quiet env DEBIAN_FRONTEND=noninteractive apt-get update
        APT_UPDATED=1
    fi
    quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y busybox-static debootstrap
    "$@" >/dev/null 2>&1 || die "$pkg installed but still not usable"
}

# Temp dirs are removed on any exit; mounts a failed debootstrap may leave
# behind (proc, sys, dev binds) are unmounted first so rm cannot follow them.
TMP_DIRS=()
cleanup() {
    local d m
    for d in "${TMP_DIRS[@]}"; do
        [ -d "$d" ] || continue
        # deepest mount points first
        while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done < <(awk -v d="$d" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r)
        rm -rf --one-file-system "$d"
    done
}
trap cleanup EXIT

# Sets TMP (not via $(...): the registration must happen in this shell).
make_tmp() {
    TMP=$(mktemp -d "${TMPDIR:-/var/tmp}/prepare-images.XXXXXX")
    TMP_DIRS+=("$TMP")
}

build_busybox() {
    if image_present "$BUSYBOX_IMAGE"; then
        log "$BUSYBOX_IMAGE present"
        return
    fi
    local start=$SECONDS bb=/bin/busybox
    # Debian's busybox-static ships a static /bin/busybox; the dynamic
    # `busybox` package would not run in an empty rootfs.
    ensure_pkg busybox-static sh -c "[ -x $bb ] && ! ldd $bb"

    make_tmp
    local root=$TMP/rootfs
    mkdir -p "$root"/{bin,etc,root,tmp,home,var/tmp,usr/bin,usr/sbin,sbin,proc,sys,dev}
    cp "$bb" "$root/bin/busybox"
    chmod 0755 "$root/bin/busybox"
    local applet
    for applet in $("$bb" --list); do
        [ "$applet" = busybox ] && continue
        ln -sf busybox "$root/bin/$applet"
    done
    [ -e "$root/bin/sh" ] || ln -s busybox "$root/bin/sh"
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 0700 "$root/root"
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
    printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
    chmod 0640 "$root/etc/shadow"

    tar -C "$root" --numeric-owner --owner=0 --group=0 -c . \
        | docker import \
            --change "ENV PATH=$DEFAULT_PATH" \
            --change 'CMD ["sh"]' \
            --message "local stand-in for $BUSYBOX_IMAGE (Debian busybox-static $("$bb" 2>&1 | head -n1 | awk '{print $2}'))" \
            - "$BUSYBOX_IMAGE" >/dev/null
    log "$BUSYBOX_IMAGE built in $((SECONDS - start)) s"
}

build_debian() {
    if image_present "$DEBIAN_IMAGE"; then
        log "$DEBIAN_IMAGE present"
        return
    fi
    local start=$SECONDS
    ensure_pkg debootstrap command -v debootstrap
    [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"

    make_tmp
    local root=$TMP/rootfs
    quiet debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR"

    # apt sources usable inside containers (same layout as the official image)
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

    # The tweaks the official debian:*-slim image carries: no services started
    # by maintainer scripts, no docs/man/locales, no cached .debs or lists.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"

    # debootstrap installed before the excludes existed: apply them now
    find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/groff/* "$root"/usr/share/info/* \
        "$root"/usr/share/lintian/* "$root"/usr/share/linda/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
        "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
        "$root"/var/log/apt/* "$root"/tmp/* "$root"/debootstrap
    : >"$root/etc/hostname"
    rm -f "$root/etc/resolv.conf" "$root/etc/hosts"

    tar -C "$root" --numeric-owner -c \
            --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' . \
        | docker import \
            --change "ENV PATH=$DEFAULT_PATH" \
            --change 'CMD ["bash"]' \
            --message "local stand-in for $DEBIAN_IMAGE (debootstrap --variant=minbase $DEBIAN_SUITE)" \
            - "$DEBIAN_IMAGE" >/dev/null
    log "$DEBIAN_IMAGE built in $((SECONDS - start)) s"
}

want_busybox=0 want_debian=0
[ "$#" -eq 0 ] && want_busybox=1
for arg in "$@"; do
    case $arg in
        busybox) want_busybox=1 ;;
        debian) want_debian=1 ;;
        all) want_busybox=1 want_debian=1 ;;
        -h|--help) usage ;;
        *) log "unknown image: $arg"; usage ;;
    esac
done

command -v docker >/dev/null || die "docker CLI not found"
if [ "$want_busybox" -eq 1 ]; then build_busybox; fi
if [ "$want_debian" -eq 1 ]; then build_debian; fi
exit 0
