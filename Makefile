# appsmith-install — build, test, benchmark.
# `make test` is the whole suite; .ci/run calls it. It starts a Docker engine
# first (scripts/docker-engine.sh installs one when it is missing).

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
BI       := github.com/appsmith-install/appsmith-install/internal/buildinfo
LDFLAGS  := -s -w -X $(BI).Version=$(VERSION) -X $(BI).Commit=$(COMMIT) -X $(BI).Date=$(DATE)
BIN      := bin/appsmith-install

.PHONY: help build build-host run test unit e2e engine tools kube-tools release-tools bench demo lint snapshot golden docs images-validate clean

## help: list the targets
help:
	@awk '/^## / { sub(/^## /, ""); i = index($$0, ":"); printf "  %-16s %s\n", substr($$0, 1, i-1), substr($$0, i+2) }' $(MAKEFILE_LIST)

## build: the binaries, bin/appsmith-install and its Kubernetes companion bin/appsmith-kube
# The host binary leaves Helm and client-go out (nokube); --target
# kubernetes is handed to appsmith-kube beside it.
build: build-host
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/appsmith-kube ./cmd/appsmith-install

build-host:
	CGO_ENABLED=0 $(GO) build -tags nokube -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/appsmith-install

## engine: start a Docker engine (installs Debian's docker.io when missing)
engine:
	bash scripts/docker-engine.sh

## tools: what the tests drive besides the engine (tmux, openssl, age, zstd, versitygw, rootfs)
tools:
	bash scripts/test-tools.sh

## kube-tools: build etcd, kube-apiserver/-controller-manager/-scheduler and kwok for the Kubernetes tests (once, cached)
# scripts/kube-tools.sh: built once per machine from tools/kube/ into the
# user cache; later runs only print the path. internal/testenv StartKube uses it.
kube-tools:
	@bash scripts/kube-tools.sh >/dev/null

## release-tools: build the pinned goreleaser and golangci-lint (once, cached)
release-tools:
	@bash scripts/release-tools.sh >/dev/null

## run: install Appsmith on this machine (ARGS='--version v1.9.2')
# Installs Appsmith on this machine: `make run ARGS='--version v1.9.2'`.
run: engine build-host
	./$(BIN) --yes $(ARGS)

## test: the whole suite, end-to-end tests included, against the real engine
# The whole suite, end-to-end tests included, against the real engine.
test: engine tools kube-tools lint
	AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -timeout 40m ./...

## unit: unit tests only, no engine needed (well under a minute)
# Unit tests only: no engine needed (end-to-end tests skip without one unless CI=true).
unit:
	AWS_EC2_METADATA_DISABLED=true $(GO) test -short ./...

## e2e: the end-to-end tests only, against the real engine
e2e: engine tools kube-tools
	AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -timeout 40m ./test/...

## lint: gofmt, go vet and golangci-lint (.golangci.yml: depguard mirrors the layering test)
lint: release-tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags nokube ./internal/cli ./cmd/...
	"$$(bash scripts/release-tools.sh)/golangci-lint" run ./...

## golden: rewrite every golden file and the generated docs/ from the current code (review the diff)
golden:
	@for p in $$(grep -rl 'flag.Bool("update"' --include='*_test.go' . | xargs -n1 dirname | sort -u); do \
		echo "$(GO) test -short $$p -update"; $(GO) test -short -count=1 $$p -update >/dev/null || exit 1; done

## docs: regenerate docs/ (command reference, man pages, config keys)
docs:
	$(GO) test ./internal/cli -run TestDocs -update

## snapshot: a local release with goreleaser (archives, deb, rpm, checksums in dist/), nothing published
snapshot: release-tools
	"$$(bash scripts/release-tools.sh)/goreleaser" release --snapshot --clean --skip=publish

## bench: the benchmarks, as a table (never a timed assertion)
# Benchmarks print a table; they never assert timings.
bench: engine tools kube-tools
	bash scripts/compose-tool.sh
	{ AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -run '^$$' -bench . -benchtime 3x ./test/e2e; \
	  $(GO) test -count=1 -timeout 60m -run '^$$' -bench . -benchtime 1x ./test/bench; \
	  $(GO) test -count=1 -timeout 30m -run '^$$' -bench . -benchtime 1x ./test/kube; } | $(GO) run ./test/bench/table

## demo: install the stand-in Appsmith end to end and keep it
# Installs the stand-in Appsmith image end to end and prints its status; the
# instance is kept, with the command that made it and the one that removes it.
demo: engine
	APPSMITH_DEMO=keep AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -run '^TestDemo$$' -v ./test/e2e

## images-validate: packer fmt/validate of images/packer (Packer 1.9.4, pinned plugins, offline) and cloud-init's schema
# The machine-image templates: packer fmt -check and packer validate with
# Packer 1.9.4 and the pinned plugins (built once by scripts/packer-tools.sh,
# offline), the hcl/v2 checks and cloud-init's schema on the user-data examples.
images-validate:
	bash scripts/packer-tools.sh >/dev/null
	CI=true $(GO) test -count=1 ./images/packer

## clean: remove what the build made
clean:
	rm -rf bin build dist
