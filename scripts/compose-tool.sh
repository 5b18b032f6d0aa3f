#!/usr/bin/env bash
# Installs Docker Compose for `make bench`: the upgrade-downtime benchmark
# measures Appsmith's documented `docker-compose pull && docker-compose up -d`
# beside `appsmith upgrade` (test/e2e/bench_compose_test.go). Debian's
# docker-compose (1.29.2) talks to the same engine. Safe to run again.
set -euo pipefail
command -v docker-compose >/dev/null 2>&1 && exit 0
say() { printf 'compose-tool: %s\n' "$*" >&2; }
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
	say "docker-compose is missing: install it (apt-get install docker-compose)"
	exit 1
fi
say "installing docker-compose"
log=${TMPDIR:-/tmp}/appsmith-install-compose-tool.log
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	exit 1
fi
