# Kite: `make test` is the one test command (CI runs it through .ci/run).
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/kite-tracker/kite/internal/app.Version=$(VERSION)

.PHONY: build test vet smoke bench faults fuzz soak clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/kite ./cmd/kite
	CGO_ENABLED=0 $(GO) build -o bin/kite-bench ./cmd/kite-bench

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

# Unit and integration tests. With KITE_TEST_DATABASE_URL / KITE_TEST_REDIS_URL
# set they run against real Postgres and Redis, else SQLite and miniredis.
test: vet
	$(GO) test -count=1 -timeout 25m ./...

# The shared contract check against a real Kite on Postgres + Redis.
smoke: build
	scripts/smoke.sh

# Benchmarks: Go's own plus kite-bench under load, as ratios to a baseline.
bench: build
	scripts/bench.sh

# Fault tests (Redis/Postgres outages, SIGTERM/SIGKILL, S2S receiver down).
faults: build
	scripts/faults.sh

# 10 minutes at 5,000 clicks/s + 100 postbacks/s (SOAK_* variables to change it).
soak: build
	scripts/soak.sh

# Each fuzz target for 2 minutes (not in CI).
fuzz:
	scripts/fuzz.sh

clean:
	rm -rf bin data test-artifacts bench-results
