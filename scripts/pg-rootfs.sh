#!/usr/bin/env bash
# Builds the root filesystem of the stand-in image variant with real
# embedded PostgreSQL (testenv Image{RealPostgres: true}): Debian bookworm
# (debootstrap --variant=minbase) with the distribution's postgresql-15,
# as a gzipped tarball that testenv lays under the stand-in program as the
# image's base layer.
#
# The build takes minutes and needs root and the Debian mirror, so it runs
# once: the tarball is cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/pg-rootfs-<hash>.tar.gz
# keyed by a hash of this script, and a second run only prints the path.
# stdout: the tarball's path (and nothing else); progress goes to stderr.
#
# Usage: scripts/pg-rootfs.sh [--path]   (--path: print the path, build nothing)
# Env:   PG_ROOTFS_MIRROR  the Debian mirror (default: the one apt uses here,
#                          else http://deb.debian.org/debian)
set -euo pipefail

say() { printf 'pg-rootfs: %s\n' "$*" >&2; }

self=$(readlink -f "${BASH_SOURCE[0]}")
hash=$(sha256sum "$self" | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install
out=$cache/pg-rootfs-$hash.tar.gz

if [[ ${1:-} == --path || -s $out ]]; then
	printf '%s\n' "$out"
	exit 0
fi

mirror=${PG_ROOTFS_MIRROR:-}
if [[ -z $mirror ]]; then
	# The first deb.debian.org-style URI apt is configured with (deb822 or
	# one-line format), so the build reaches what this machine reaches.
	mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
fi

if [[ $(id -u) -ne 0 ]]; then
	say "building needs root (debootstrap): run sudo bash $0"
	exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	command -v apt-get >/dev/null 2>&1 || { say "debootstrap is missing and there is no apt-get to install it"; exit 1; }
	say "installing debootstrap"
	aptlog=${TMPDIR:-/tmp}/appsmith-install-debootstrap-apt.log
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; } >"$aptlog" 2>&1; then
		tail -n 20 "$aptlog" >&2
		exit 1
	fi
fi

mkdir -p "$cache"
# Test packages run in parallel and may all ask for the rootfs: one builds,
# the others wait for it and take its result.
exec 9>"$cache/pg-rootfs.lock"
flock 9
if [[ -s $out ]]; then
	printf '%s\n' "$out"
	exit 0
fi
work=$(mktemp -d "$cache/pg-rootfs-build.XXXXXX")
cleanup() {
	umount "$work/root/proc" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
root=$work/root
start=$SECONDS

say "debootstrap bookworm from $mirror (minbase)"
log=$work/debootstrap.log
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	[[ -f $root/debootstrap/debootstrap.log ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	exit 1
fi

# Packages install without starting services or creating the default
# cluster: the stand-in's entrypoint runs initdb in the stacks volume, as
# the real image's init_postgres does.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/postgresql-common/createcluster.d"
echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.d/no-main.conf"
mount -t proc proc "$root/proc" 2>/dev/null || say "could not mount /proc in the chroot; going on without it"

say "apt-get install postgresql-15"
if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
	sh -c 'apt-get update && apt-get install -y --no-install-recommends postgresql-15 postgresql-client-15' >"$work/apt.log" 2>&1; then
	tail -n 30 "$work/apt.log" >&2
	exit 1
fi
umount "$root/proc" 2>/dev/null || true

# What a container does not need: package lists and caches, docs, the
# cluster config packages may have left, debootstrap's leftovers.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
	"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
	"$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/log/apt/* \
	"$root"/etc/postgresql/15 "$root"/var/lib/postgresql/15 "$root"/debootstrap \
	"$root"/usr/sbin/policy-rc.d
# JIT is optional (postgres runs without it when llvmjit.so is absent) and
# LLVM is two thirds of the rootfs; the locale sources are not needed for
# the C.UTF-8 the cluster uses, which glibc has built in.
rm -rf "$root"/usr/lib/postgresql/15/lib/llvmjit* "$root"/usr/lib/postgresql/15/lib/bitcode \
	"$root"/usr/lib/*-linux-gnu/libLLVM* "$root"/usr/lib/*-linux-gnu/libz3.so* "$root"/usr/share/i18n
test -x "$root/usr/lib/postgresql/15/bin/postgres" || { say "postgres binary missing after install"; exit 1; }
grep -q '^postgres:' "$root/etc/passwd" || { say "no postgres user in the rootfs"; exit 1; }

say "packing $out"
tmp=$work/rootfs.tar.gz
# Fixed order, owners and times: the same rootfs packs to the same layer.
tar --sort=name --numeric-owner --mtime=@1672628645 --clamp-mtime --xattrs \
	-C "$root" -cf - . | gzip -1 -n >"$tmp"
mv "$tmp" "$out"
# Tarballs of earlier versions of this script are never used again.
find "$cache" -maxdepth 1 -name 'pg-rootfs-*.tar.gz' ! -path "$out" -delete
say "built in $((SECONDS - start))s: $out ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
