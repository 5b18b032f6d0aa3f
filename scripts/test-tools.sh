#!/usr/bin/env bash
# Installs the tools the test suite drives besides the Docker engine (see
# docker-engine.sh): tmux, for the wizard's end-to-end test in a real
# terminal; openssl, which encrypts and decrypts appsmithctl archives in the
# backup package's tests; age and zstd, to open a native backup archive
# without this tool; and builds the root filesystem of the real-PostgreSQL
# stand-in image (pg-rootfs.sh: debootstrap + postgresql-15, once, cached);
# versitygw, the S3 gateway the S3 store is tested against with real
# signatures (built with go into $(go env GOPATH)/bin, where the tests look
# for it); and the parts of the real-kubelet Kubernetes tier besides the
# kubelet itself (kube-tools.sh builds that): containerd and runc come with
# docker.io, the CNI plugins (bridge, host-local, loopback) with
# containernetworking-plugins, `ip` with iproute2. Safe to run again and
# again.
set -euo pipefail

say() { printf 'test-tools: %s\n' "$*" >&2; }

# versitygw: keep in step with internal/testenv/versitygw.go.
VERSITYGW_VERSION=v1.8.0
status=0
if ! command -v go >/dev/null 2>&1; then
	say "go is not on PATH: it is needed to build versitygw $VERSITYGW_VERSION"
	status=1
else
	gobin=$(go env GOBIN)
	gobin=${gobin:-$(go env GOPATH)/bin}
	if ! go version -m "$gobin/versitygw" 2>/dev/null | grep -q "mod[[:space:]]*github.com/versity/versitygw[[:space:]]*$VERSITYGW_VERSION[[:space:]]"; then
		say "building versitygw $VERSITYGW_VERSION into $gobin (a few minutes)"
		GOBIN=$gobin go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" || status=1
	fi
fi

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
bash "$(dirname "${BASH_SOURCE[0]}")/debian-rootfs.sh" >/dev/null # image check/prepare fixtures
bash "$(dirname "${BASH_SOURCE[0]}")/packer-tools.sh" >/dev/null || status=1

# --- cloud-init (images/packer): `cloud-init schema` validates the
# user-data examples. Debian's package; nothing of it is started here.
if ! command -v cloud-init >/dev/null 2>&1; then
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		say "missing cloud-init: install it (apt-get install cloud-init)"
		status=1
	else
		say "installing cloud-init"
		log=${TMPDIR:-/tmp}/appsmith-install-cloud-init-apt.log
		if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 cloud-init; } >"$log" 2>&1; then
			tail -n 20 "$log" >&2
			status=1
		fi
	fi
fi
# --- end cloud-init

# --- the optional real-kubelet tier (internal/testenv WithKubelet): its
# parts are installed when they can be; when they cannot, the tier's test
# skips, and this says why here, where CI's log shows it (go test shows a
# skip's reason only with -v).
kubelet_missing=()
[[ -x /usr/lib/cni/bridge ]] || kubelet_missing+=(containernetworking-plugins)
command -v ip >/dev/null 2>&1 || kubelet_missing+=(iproute2)
if [[ ${#kubelet_missing[@]} -gt 0 ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
	say "installing ${kubelet_missing[*]} (the real-kubelet tier)"
	log=${TMPDIR:-/tmp}/appsmith-install-kubelet-apt.log
	{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${kubelet_missing[@]}"; } >"$log" 2>&1 ||
		tail -n 5 "$log" >&2
fi
why=""
if [[ $(id -u) -ne 0 ]]; then
	why="not root"
else
	for p in containerd containerd-shim-runc-v2 runc ctr ip /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/loopback; do
		command -v "$p" >/dev/null 2>&1 || why+=" $p"
	done
	[[ -z $why ]] || why="missing$why"
	probe=tkprobe$$
	if [[ -z $why ]] && ! ip link add "$probe" type bridge >/dev/null 2>&1; then
		why="no right to make a network bridge"
	fi
	ip link delete "$probe" >/dev/null 2>&1 || true
fi
if [[ -n $why ]]; then
	say "the real-kubelet Kubernetes tier will be skipped: $why"
fi
exit $status
