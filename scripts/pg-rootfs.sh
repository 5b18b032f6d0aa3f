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
# keyed by a hash of this script and scripts/rootfs-lib.sh, and a second run
# only prints the path.
# stdout: the tarball's path (and nothing else); progress goes to stderr.
#
# Usage: scripts/pg-rootfs.sh [--path]   (--path: print the path, build nothing)
# Env:   PG_ROOTFS_MIRROR  the Debian mirror (default: the one apt uses here,
#                          else http://deb.debian.org/debian)
set -euo pipefail

# shellcheck source=scripts/rootfs-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/rootfs-lib.sh"
rootfs_begin pg-rootfs PG_ROOTFS_MIRROR "${1:-}"

# No default cluster: the stand-in's entrypoint runs initdb in the stacks
# volume, as the real image's init_postgres does.
mkdir -p "$root/etc/postgresql-common/createcluster.d"
echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.d/no-main.conf"
rootfs_apt "apt-get install postgresql-15" 'apt-get update && apt-get install -y --no-install-recommends postgresql-15 postgresql-client-15'

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

rootfs_pack
# Tarballs of earlier versions of this script are never used again.
find "$cache" -maxdepth 1 -name 'pg-rootfs-*.tar.gz' ! -path "$out" -delete
rootfs_done
