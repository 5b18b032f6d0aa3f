#!/usr/bin/env bash
# Builds the root file system the machine-image tests judge (internal/
# imagecheck, internal/imageprep): Debian bookworm (debootstrap
# --variant=minbase) with what a marketplace image's checks look at —
# openssh-server, cloud-init, ufw and sudo from the distribution's packages —
# and one login user (uid 1000), as a gzipped tarball the tests unpack into a
# temporary directory per test.
#
# The build takes minutes and needs root and the Debian mirror, so it runs
# once: the tarball is cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/debian-rootfs-<hash>.tar.gz
# keyed by a hash of this script, and a second run only prints the path.
# stdout: the tarball's path (and nothing else); progress goes to stderr.
#
# Usage: scripts/debian-rootfs.sh [--path]   (--path: print the path, build nothing)
# Env:   DEBIAN_ROOTFS_MIRROR  the Debian mirror (default: the one apt uses
#                              here, else http://deb.debian.org/debian)
set -euo pipefail

say() { printf 'debian-rootfs: %s\n' "$*" >&2; }

self=$(readlink -f "${BASH_SOURCE[0]}")
hash=$(sha256sum "$self" | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install
out=$cache/debian-rootfs-$hash.tar.gz

if [[ ${1:-} == --path || -s $out ]]; then
	printf '%s\n' "$out"
	exit 0
fi

mirror=${DEBIAN_ROOTFS_MIRROR:-}
if [[ -z $mirror ]]; then
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
exec 9>"$cache/debian-rootfs.lock"
flock 9
if [[ -s $out ]]; then
	printf '%s\n' "$out"
	exit 0
fi
work=$(mktemp -d "$cache/debian-rootfs-build.XXXXXX")
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

# Packages install without starting services.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc" 2>/dev/null || say "could not mount /proc in the chroot; going on without it"

say "apt-get install openssh-server cloud-init ufw sudo"
if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
	sh -c 'apt-get update && apt-get install -y --no-install-recommends openssh-server cloud-init ufw sudo &&
		useradd --create-home --uid 1000 --shell /bin/bash --groups sudo debian' >"$work/apt.log" 2>&1; then
	tail -n 30 "$work/apt.log" >&2
	exit 1
fi
umount "$root/proc" 2>/dev/null || true

# What the tests never look at (so a per-test copy stays small: the package
# archives and the big package indexes); the logs, host keys and the apt
# lists' release files the install left stay: they are what an image looks
# like before it is cleaned.
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
	"$root"/var/lib/apt/lists/*_Packages "$root"/var/lib/apt/lists/*_Translation-* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
	"$root"/usr/share/locale/* "$root"/usr/share/i18n "$root"/debootstrap "$root"/usr/sbin/policy-rc.d \
	"$root"/dev/*
test -f "$root/etc/ssh/sshd_config" || { say "no sshd_config after install"; exit 1; }
test -d "$root/etc/cloud" || { say "no /etc/cloud after install"; exit 1; }
grep -q '^debian:' "$root/etc/passwd" || { say "no login user in the rootfs"; exit 1; }

say "packing $out"
tmp=$work/rootfs.tar.gz
tar --sort=name --numeric-owner --mtime=@1672628645 --clamp-mtime --xattrs \
	-C "$root" -cf - . | gzip -1 -n >"$tmp"
mv "$tmp" "$out"
# Tarballs of earlier versions of this script, and the trees the tests
# unpacked from them (internal/testenv), are never used again.
find "$cache" -maxdepth 1 -name 'debian-rootfs-*' ! -name "debian-rootfs-$hash*" ! -name 'debian-rootfs-build.*' -exec rm -rf {} +
say "built in $((SECONDS - start))s: $out ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
