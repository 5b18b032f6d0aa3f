#!/usr/bin/env bash
# Builds the Kubernetes control plane the Kubernetes-target tests start on
# 127.0.0.1 (internal/testenv StartKube): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok, the fake-node controller
# that stands in for kubelets, and a real kubelet (the optional tier that
# runs the stand-in images in containers: internal/testenv WithKubelet).
# They come from the pinned tools modules under tools/kube/ (one module per
# binary group, so each keeps its upstream dependency versions: kubernetes
# 1.34 and kwok 0.8 want different k8s.io libraries, and etcd's server wants
# newer ones than kubernetes pins).
#
# The builds take many minutes on two cores (the apiserver alone is most of
# it), so they run once: the result is cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install/kube-tools-<hash>/bin/
# keyed by a hash of the tools modules' go.mod and go.sum (and of `layout`
# below: bump it when this script builds anything differently), and a second
# run only prints the path.
# stdout: that directory (bin/etcd, bin/kube-apiserver,
# bin/kube-controller-manager, bin/kube-scheduler, bin/kubelet, bin/kwok)
# and nothing else; progress and the build's duration go to stderr.
#
# Usage: scripts/kube-tools.sh [--path]   (--path: print the path, build nothing)
set -euo pipefail

say() { printf 'kube-tools: %s\n' "$*" >&2; }

self=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$self")/.." && pwd)
tools=$repo/tools/kube
layout=2
hash=$( { echo "layout $layout"; cat "$tools"/*/go.mod "$tools"/*/go.sum; } | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/appsmith-install
out=$cache/kube-tools-$hash
bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kwok)

# kwok v0.8.0's local exec (what a kwok pod's exec runs) never closes the
# command's stdin pipe, so a command that reads stdin to its end (tar -x,
# pg_restore) waits forever where a kubelet gives it EOF, and it reports a
# non-zero exit as an internal error instead of the exit code a kubelet
# sends. tools/kube/kwok/kwok-exec.patch fixes both; the build applies it
# to a copy of kwok's module. The marker, named after the patch's hash, lets
# a cache built without it rebuild kwok alone.
kwok_patch=$tools/kwok/kwok-exec.patch
kwok_fix=$(sha256sum "$kwok_patch" | cut -c1-12)

complete() {
	local b
	for b in "${bins[@]}"; do [[ -x $1/bin/$b ]] || return 1; done
	[[ -e $1/bin/.kwok-$kwok_fix ]]
}

if [[ ${1:-} == --path ]] || complete "$out"; then
	printf '%s\n' "$out"
	exit 0
fi
command -v go >/dev/null 2>&1 || { say "go is not on PATH: it builds etcd, kubernetes and kwok"; exit 1; }

mkdir -p "$cache"
# Test packages may ask at the same time: one builds, the others wait.
exec 9>"$cache/kube-tools.lock"
flock 9
if complete "$out"; then
	printf '%s\n' "$out"
	exit 0
fi
work=$(mktemp -d "$cache/kube-tools-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# build MODULE_DIR OUTPUT LDFLAGS PACKAGE...: OUTPUT is a file for one
# package, a directory (ending in /) for several, which then share one go
# build and its compiled dependencies.
build() {
	local dir=$1 o=$2 ld=$3 t=$SECONDS
	shift 3
	say "building $* (tools/kube/$(basename "$dir"))"
	# 9>&-: the compilers must not hold the lock after this script is gone.
	(cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ld" -o "$o" "$@") 9>&-
	say "  took $((SECONDS - t))s"
}

# modver MODULE_DIR MODULE: the version the tools module pins.
modver() { (cd "$1" && go list -m -f '{{.Version}}' "$2"); }

# build_kwok OUTPUT: kwok from a copy of its module with kwok_patch applied,
# through a replace in a copy of tools/kube/kwok (the committed module
# stays as upstream has it).
build_kwok() {
	local src mod
	src=$(cd "$tools/kwok" && go mod download -json sigs.k8s.io/kwok | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d $src ]] || { say "cannot find sigs.k8s.io/kwok's source in the module cache"; return 1; }
	cp -r "$src" "$work/kwok-src"
	chmod -R u+w "$work/kwok-src"
	(cd "$work/kwok-src" && git apply -p1 "$kwok_patch") || { say "kwok-exec.patch does not apply to $src"; return 1; }
	mod=$work/kwok-mod
	mkdir -p "$mod"
	cp "$tools/kwok/go.mod" "$tools/kwok/go.sum" "$mod/"
	(cd "$mod" && go mod edit -replace "sigs.k8s.io/kwok=$work/kwok-src")
	build "$mod" "$1" "" sigs.k8s.io/kwok/cmd/kwok
	touch "$(dirname "$1")/.kwok-$kwok_fix"
}

# A cache from before kwok_fix: everything but kwok is good.
if [[ -d $out/bin ]] && [[ -x $out/bin/kube-apiserver ]] && ! complete "$out"; then
	say "rebuilding kwok with kwok-exec.patch"
	mkdir -p "$work/out"
	cp -a "$out/bin" "$work/out/bin"
	rm -f "$work/out/bin/kwok" "$work/out/bin"/.kwok-*
	build_kwok "$work/out/bin/kwok"
	complete "$work/out" || { say "a binary is missing from $work/out/bin"; exit 1; }
	rm -rf "$out"
	mv "$work/out" "$out"
	printf '%s\n' "$out"
	exit 0
fi

mkdir -p "$work/out/bin"
build "$tools/etcd" "$work/out/bin/etcd" "" go.etcd.io/etcd/server/v3

# Without these the servers report v0.0.0-master, which version checks
# (Helm's kubeVersion constraints among them) read as a very old cluster.
kv=$(modver "$tools/kubernetes" k8s.io/kubernetes)
[[ $kv =~ ^v([0-9]+)\.([0-9]+)\. ]] || { say "k8s.io/kubernetes is at $kv: want a release vX.Y.Z"; exit 1; }
cbv=k8s.io/component-base/version
kld="-X $cbv.gitVersion=$kv -X $cbv.gitMajor=${BASH_REMATCH[1]} -X $cbv.gitMinor=${BASH_REMATCH[2]}"
kld+=" -X $cbv.gitTreeState=clean -X $cbv.buildDate=1970-01-01T00:00:00Z"
build "$tools/kubernetes" "$work/out/bin/" "$kld" \
	k8s.io/kubernetes/cmd/kube-apiserver \
	k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler \
	k8s.io/kubernetes/cmd/kubelet

build_kwok "$work/out/bin/kwok"

complete "$work/out" || { say "a binary is missing from $work/out/bin"; exit 1; }
rm -rf "$out"
mv "$work/out" "$out"
say "built in $((SECONDS - start))s: $out"
printf '%s\n' "$out"
