#!/usr/bin/env bash
# Installs the tools the test suite drives besides the Docker engine (see
# docker-engine.sh): tmux, for the wizard's end-to-end test in a real
# terminal; age and zstd, to open a native backup archive without this tool.
# Safe to run again and again.
set -euo pipefail

say() { printf 'test-tools: %s\n' "$*" >&2; }

missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
[[ ${#missing[@]} -eq 0 ]] && exit 0

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
