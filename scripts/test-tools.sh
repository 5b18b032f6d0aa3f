#!/usr/bin/env bash
# Installs the tools the test suite drives besides the Docker engine (see
# docker-engine.sh): tmux, for the wizard's end-to-end test in a real
# terminal; openssl, which encrypts and decrypts appsmithctl archives in the
# backup package's tests; age and zstd, to open a native backup archive
# without this tool; and builds the root filesystem of the real-PostgreSQL
# stand-in image (pg-rootfs.sh: debootstrap + postgresql-15, once, cached).
# Safe to run again and again.
set -euo pipefail

say() { printf 'test-tools: %s\n' "$*" >&2; }

missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)

# The rootfs build installs debootstrap itself when it is missing.
pg_rootfs() { bash "$(dirname "${BASH_SOURCE[0]}")/pg-rootfs.sh" >/dev/null; }

if [[ ${#missing[@]} -gt 0 ]]; then
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		say "missing ${missing[*]}: install them (apt-get install ${missing[*]})"
		exit 1
	fi
	say "installing ${missing[*]}"
	log=${TMPDIR:-/tmp}/appsmith-install-test-tools.log
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		exit 1
	fi
fi
pg_rootfs
