#!/usr/bin/env bash
# Makes what the packages ship besides the binary, into build/extras:
# shell completions for both names a user types (appsmith-install, and the
# appsmith link: cobra's scripts register the program name they were made
# under) and the man pages from docs/man, gzipped as Debian policy wants.
# goreleaser runs it as a before-hook; so can a packager by hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=build/extras
rm -rf "$out" && mkdir -p "$out/completions" "$out/man" "$out/bin"
CGO_ENABLED=0 go build -tags nokube -o "$out/bin/appsmith-install" ./cmd/appsmith-install
ln -s appsmith-install "$out/bin/appsmith"
for name in appsmith-install appsmith; do
	"$out/bin/$name" completion bash >"$out/completions/$name.bash"
	"$out/bin/$name" completion zsh >"$out/completions/_$name"
	"$out/bin/$name" completion fish >"$out/completions/$name.fish"
done
for page in docs/man/*.1; do
	# -n: no name or time stamp in the gzip header, so builds are reproducible.
	gzip -9 -n -c "$page" >"$out/man/$(basename "$page").gz"
done
rm -rf "$out/bin"
