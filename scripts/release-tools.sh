#!/usr/bin/env bash
# Builds the release and lint tools pinned in tools/release/go.mod
# (goreleaser, golangci-lint) into a cache keyed by that module's go.sum:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/release-tools-<hash>/
# A second run only prints the directory. Building takes minutes on a small
# machine (both are large programs), hence the cache.
# stdout: the directory holding the binaries; progress goes to stderr.
#
# Usage: scripts/release-tools.sh [--path]   (--path: print it, build nothing)
set -euo pipefail

say() { printf 'release-tools: %s\n' "$*" >&2; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod=$top/tools/release
hash=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
out=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/release-tools-$hash

if [[ ${1:-} == --path || ( -x $out/goreleaser && -x $out/golangci-lint ) ]]; then
	printf '%s\n' "$out"
	exit 0
fi
say "building goreleaser and golangci-lint from tools/release into $out (a few minutes, once)"
tmp=$out.tmp.$$
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -o "$tmp/" \
	github.com/goreleaser/goreleaser/v2 \
	github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
rm -rf "$out" && mv "$tmp" "$out"
printf '%s\n' "$out"
