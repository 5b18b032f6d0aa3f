# shellcheck shell=bash
# What scripts/pg-rootfs.sh and scripts/debian-rootfs.sh share: a Debian
# bookworm root file system made with debootstrap --variant=minbase, cached
# by hash under ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/NAME-<hash>.tar.gz,
# built once behind a lock (test packages ask in parallel), packed
# reproducibly. A script sources it, calls rootfs_begin, installs what it
# needs with rootfs_apt, trims, checks, and calls rootfs_pack.

# rootfs_begin NAME MIRROR_VARIABLE [--path]: sets say, hash, cache, out,
# work, root and start; prints the cached tarball's path and exits when it
# is there (or with --path); otherwise debootstraps into $root, with
# services kept from starting and /proc mounted.
rootfs_begin() {
	rootfs_name=$1
	local mirror_var=$2 arg=${3:-}
	say() { printf '%s: %s\n' "$rootfs_name" "$*" >&2; }
	local self lib
	self=$(readlink -f "$0")
	lib=$(readlink -f "${BASH_SOURCE[0]}")
	hash=$(cat "$self" "$lib" | sha256sum | cut -c1-16)
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install
	out=$cache/$rootfs_name-$hash.tar.gz
	if [[ $arg == --path || -s $out ]]; then
		printf '%s\n' "$out"
		exit 0
	fi

	local mirror=${!mirror_var:-}
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
		local aptlog=${TMPDIR:-/tmp}/appsmith-install-debootstrap-apt.log
		if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; } >"$aptlog" 2>&1; then
			tail -n 20 "$aptlog" >&2
			exit 1
		fi
	fi

	mkdir -p "$cache"
	# One builds, the others wait for it and take its result.
	exec 9>"$cache/$rootfs_name.lock"
	flock 9
	if [[ -s $out ]]; then
		printf '%s\n' "$out"
		exit 0
	fi
	work=$(mktemp -d "$cache/$rootfs_name-build.XXXXXX")
	root=$work/root
	trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
	start=$SECONDS

	say "debootstrap bookworm from $mirror (minbase)"
	local log=$work/debootstrap.log
	if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		[[ -f $root/debootstrap/debootstrap.log ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
		exit 1
	fi
	# Packages install without starting services.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	mount -t proc proc "$root/proc" 2>/dev/null || say "could not mount /proc in the chroot; going on without it"
}

# rootfs_apt LABEL SCRIPT: runs SCRIPT (sh) in the chroot with a clean
# environment; its output goes to a log shown on failure.
rootfs_apt() {
	say "$1"
	if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		sh -c "$2" >"$work/apt.log" 2>&1; then
		tail -n 30 "$work/apt.log" >&2
		exit 1
	fi
	umount "$root/proc" 2>/dev/null || true
}

# rootfs_pack: the tarball, with a fixed order, owners and times (the same
# tree packs to the same bytes), moved into place at once.
rootfs_pack() {
	say "packing $out"
	local tmp=$work/rootfs.tar.gz
	tar --sort=name --numeric-owner --mtime=@1672628645 --clamp-mtime --xattrs \
		-C "$root" -cf - . | gzip -1 -n >"$tmp"
	mv "$tmp" "$out"
}

# rootfs_done: the path on stdout, the time on stderr.
rootfs_done() {
	say "built in $((SECONDS - start))s: $out ($(du -h "$out" | cut -f1))"
	printf '%s\n' "$out"
}
