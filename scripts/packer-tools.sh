#!/usr/bin/env bash
# Builds the Packer the image templates are validated with (1.9.4, the last
# MPL release; Debian's 1.6 predates required_plugins) and the amazon and
# digitalocean plugins they require, from the pinned tools modules under
# tools/packer/ (one module per binary, so each keeps its own upstream
# dependency versions; the plugins' go.mod `replace` lines, which stop
# `go install` from building them, are copied into their tools modules).
#
# The plugins land in the layout Packer 1.9 looks for under
# PACKER_PLUGIN_PATH, with the checksum file it insists on:
#   plugins/github.com/hashicorp/amazon/packer-plugin-amazon_v1.8.2_x5.0_linux_amd64
#   plugins/github.com/hashicorp/amazon/packer-plugin-amazon_v1.8.2_x5.0_linux_amd64_SHA256SUM
# so `packer init` never has to download anything.
#
# The builds take minutes on two cores, so they run once: the result is
# cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/packer-tools-<hash>/
# keyed by a hash of the tools modules' go.mod and go.sum (and of `layout`
# below: bump it when this script builds or lays out anything differently),
# and a second run only prints the path.
# stdout: that directory (bin/packer, plugins/) and nothing else; progress
# goes to stderr.
#
# Usage: scripts/packer-tools.sh [--path]   (--path: print the path, build nothing)
set -euo pipefail

say() { printf 'packer-tools: %s\n' "$*" >&2; }

self=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$self")/.." && pwd)
tools=$repo/tools/packer
layout=1
hash=$( { echo "layout $layout"; cat "$tools"/*/go.mod "$tools"/*/go.sum; } | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install
out=$cache/packer-tools-$hash

if [[ ${1:-} == --path || -x $out/bin/packer ]]; then
	printf '%s\n' "$out"
	exit 0
fi
command -v go >/dev/null 2>&1 || { say "go is not on PATH: it builds packer and its plugins"; exit 1; }

mkdir -p "$cache"
# Test packages may ask at the same time: one builds, the others wait.
exec 9>"$cache/packer-tools.lock"
flock 9
if [[ -x $out/bin/packer ]]; then
	printf '%s\n' "$out"
	exit 0
fi
work=$(mktemp -d "$cache/packer-tools-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# build MODULE_DIR PACKAGE OUTPUT [LDFLAGS]
build() {
	say "building $2 (tools/packer/$(basename "$1"))"
	# 9>&-: the compilers must not hold the lock after this script is gone.
	(cd "$1" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w ${4:-}" -o "$3" "$2") 9>&-
}

# plugin MODULE_DIR PACKAGE NAMESPACE NAME [LDFLAGS]: builds a plugin and
# names it from what it reports (`describe`), which is what Packer checks.
plugin() {
	local bin=$work/packer-plugin-$4
	build "$1" "$2" "$bin" "${5:-}"
	local desc version api dir file
	desc=$("$bin" describe)
	version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$desc")
	api=$(sed -n 's/.*"api_version":"\([^"]*\)".*/\1/p' <<<"$desc")
	if [[ -z $version || -z $api || $version == *-* ]]; then
		say "$2 describes itself as $desc: want a release version and an api_version"
		exit 1
	fi
	dir=$work/out/plugins/github.com/$3/$4
	file=packer-plugin-${4}_v${version}_${api}_$(go env GOOS)_$(go env GOARCH)
	mkdir -p "$dir"
	mv "$bin" "$dir/$file"
	sha256sum "$dir/$file" | cut -d' ' -f1 | tr -d '\n' >"$dir/${file}_SHA256SUM"
}

mkdir -p "$work/out/bin"
build "$tools/packer" github.com/hashicorp/packer "$work/out/bin/packer"
plugin "$tools/amazon" github.com/hashicorp/packer-plugin-amazon hashicorp amazon
# The digitalocean plugin's tagged source still says prerelease "dev"; its
# release builds clear it the same way.
plugin "$tools/digitalocean" github.com/digitalocean/packer-plugin-digitalocean digitalocean digitalocean \
	'-X github.com/digitalocean/packer-plugin-digitalocean/version.VersionPrerelease='

rm -rf "$out"
mv "$work/out" "$out"
say "built in $((SECONDS - start))s: $out"
printf '%s\n' "$out"
