# appsmith-install — build, test, benchmark.
# `make test` is the whole suite; .ci/run calls it. It starts a Docker engine
# first (scripts/docker-engine.sh installs one when it is missing).

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/appsmith-install/appsmith-install/internal/buildinfo.Version=$(VERSION)
BIN      := bin/appsmith-install

.PHONY: build run test unit engine tools bench demo lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/appsmith-install

engine:
	bash scripts/docker-engine.sh

tools:
	bash scripts/test-tools.sh

# Installs Appsmith on this machine: `make run ARGS='--version v1.9.2'`.
run: engine build
	./$(BIN) --yes $(ARGS)

# The whole suite, end-to-end tests included, against the real engine.
test: engine tools lint
	AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -timeout 40m ./...

# Unit tests only: no engine needed (end-to-end tests skip without one unless CI=true).
unit:
	AWS_EC2_METADATA_DISABLED=true $(GO) test -short ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Benchmarks print a table; they never assert timings.
bench: engine
	bash scripts/compose-tool.sh
	{ AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -run '^$$' -bench . -benchtime 3x ./test/e2e; \
	  $(GO) test -count=1 -timeout 60m -run '^$$' -bench . -benchtime 1x ./test/bench; } | $(GO) run ./test/bench/table

# Installs the stand-in Appsmith image end to end and prints its status; the
# instance is kept, with the command that made it and the one that removes it.
demo: engine
	APPSMITH_DEMO=keep AWS_EC2_METADATA_DISABLED=true $(GO) test -count=1 -run '^TestDemo$$' -v ./test/e2e

clean:
	rm -rf bin
