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
# keyed by a hash of this script and scripts/rootfs-lib.sh, and a second run
# only prints the path.
# stdout: the tarball's path (and nothing else); progress goes to stderr.
#
# Usage: scripts/debian-rootfs.sh [--path]   (--path: print the path, build nothing)
# Env:   DEBIAN_ROOTFS_MIRROR  the Debian mirror (default: the one apt uses
#                              here, else http://deb.debian.org/debian)
set -euo pipefail

# shellcheck source=scripts/rootfs-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/rootfs-lib.sh"
rootfs_begin debian-rootfs DEBIAN_ROOTFS_MIRROR "${1:-}"

rootfs_apt "apt-get install openssh-server cloud-init ufw sudo" 'apt-get update && apt-get install -y --no-install-recommends openssh-server cloud-init ufw sudo &&
	useradd --create-home --uid 1000 --shell /bin/bash --groups sudo debian'

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

rootfs_pack
# Tarballs of earlier versions of this script, and the trees the tests
# unpacked from them (internal/testenv), are never used again.
find "$cache" -maxdepth 1 -name 'debian-rootfs-*' ! -name "debian-rootfs-$hash*" ! -name 'debian-rootfs-build.*' -exec rm -rf {} +
rootfs_done
