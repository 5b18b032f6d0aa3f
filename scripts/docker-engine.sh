#!/usr/bin/env bash
# Makes sure a Docker engine answers, for tests and demos: if none does, it
# installs Debian's docker.io when dockerd is missing (as root, with apt-get)
# and starts dockerd in the background. Machines without systemd are the
# point: there nothing starts the engine for us. Safe to run again and again.
#
# Honours DOCKER_HOST when it names a unix socket. Environment knobs:
#   DOCKER_ENGINE_WAIT   seconds to wait for a started engine (default 30)
#   DOCKERD_LOG          dockerd's log file (default $TMPDIR/appsmith-install-dockerd.log)
set -euo pipefail

say() { printf 'docker-engine: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

wait_secs=${DOCKER_ENGINE_WAIT:-30}
log=${DOCKERD_LOG:-${TMPDIR:-/tmp}/appsmith-install-dockerd.log}

host=${DOCKER_HOST:-unix:///var/run/docker.sock}
case $host in
unix://*) sock=${host#unix://} ;;
*) sock= ;;
esac

# up: does the engine answer its ping? curl needs no Docker CLI; the CLI
# is the fallback (and the only way for a tcp:// DOCKER_HOST with TLS).
up() {
	if [[ -n $sock ]] && command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 5 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
	elif command -v docker >/dev/null 2>&1; then
		DOCKER_HOST=$host docker info >/dev/null 2>&1
	else
		return 1
	fi
}

log_tail() {
	if [[ -s $log ]]; then
		say "last lines of $log:"
		tail -n 25 "$log" >&2
	fi
}

if up; then
	say "engine is up at $host"
	exit 0
fi

[[ -n $sock ]] || die "DOCKER_HOST=$host does not answer, and only a local unix-socket engine can be started here"
[[ $(id -u) -eq 0 ]] || die "no engine answers at $host and starting one needs root: run this script with sudo, or \`sudo systemctl start docker\`"

if ! command -v dockerd >/dev/null 2>&1; then
	command -v apt-get >/dev/null 2>&1 || die "dockerd is not installed and apt-get is not available: install Docker Engine 20.10 or newer"
	say "dockerd not found: installing docker.io with apt-get"
	apt_log=${TMPDIR:-/tmp}/appsmith-install-apt.log
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >"$apt_log" 2>&1; then
		say "apt-get failed; last lines of $apt_log:"
		tail -n 25 "$apt_log" >&2
		exit 1
	fi
	command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is still not on PATH"
fi

start_dockerd() {
	say "starting dockerd (log: $log)"
	mkdir -p "$(dirname "$log")" "$(dirname "$sock")"
	args=()
	# Only a non-default socket is named: a "hosts" entry in
	# /etc/docker/daemon.json plus -H would make dockerd refuse to start.
	[[ $sock == /var/run/docker.sock ]] || args=(-H "unix://$sock")
	# setsid: the engine outlives this script and a Ctrl-C of whoever ran it.
	setsid dockerd "${args[@]}" >"$log" 2>&1 </dev/null &
	pid=$!
}

# running: a live dockerd process (zombies and dying ones do not count).
running() { pgrep -x -r R,S,D dockerd >/dev/null 2>&1; }

# A dockerd that is already running but not answering yet (another run of
# this script, or a boot in progress) must not get a twin: the second one
# would fail on the pid file. Wait for the first instead, and start our own
# if it goes away (a killed engine can linger a moment before it is gone).
pid=
if running; then
	say "dockerd is already running; waiting for $sock"
else
	start_dockerd
fi

deadline=$((SECONDS + wait_secs))
until up; do
	if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
		# The engine before us may still be dying and holding its pid file:
		# try again while the deadline allows. Anything else is fatal.
		if grep -q "pid file found" "$log" 2>/dev/null && ((SECONDS < deadline)); then
			sleep 0.5
			running || start_dockerd
			continue
		fi
		log_tail
		die "dockerd exited before answering at $sock"
	fi
	if [[ -z $pid ]] && ! running; then
		start_dockerd
	fi
	if ((SECONDS >= deadline)); then
		log_tail
		die "no answer from $sock after ${wait_secs}s"
	fi
	sleep 0.2
done
say "engine is up at $host"
