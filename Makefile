# keepalived-go build entry points. `make test` is what CI runs (via .ci/run).
GO          ?= go
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
BIN         := bin

.PHONY: all build test unit vmtest bench bench-vrrp bench-parse lint demo deps fuzz clean deb differential

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

# deps installs what the tests need (Debian packages, Go modules, staticcheck);
# it is idempotent and cheap when everything is already there.
deps:
	./scripts/deps.sh

# test is everything CI runs: lint, unit + netns tests on this kernel (root),
# and the tests that need a real IPVS/VLAN/bonding kernel, inside qemu.
test: deps lint build unit vmtest

unit:
	$(GO) test -count=1 -p 2 -timeout 25m ./...

vmtest:
	./scripts/vmtest.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-vrrp measures failover, GARP latency, CPU and RSS next to keepalived
# 2.2.7 in a netns lab (about 4 minutes, root).
bench-vrrp: build
	KEEPALIVED_GO=$(BIN)/keepalived ./scripts/bench-vrrp.sh

# bench-parse times -t on 10 000 virtual servers x 4 real servers next to
# keepalived 2.2.7.
bench-parse: build
	./scripts/bench-parse.sh

# differential runs every configuration of the shared corpus
# (../shared/corpus/keepalived) and parser/testdata/vrrp with keepalived
# 2.2.7 and with keepalived-go in identical netns labs and compares the
# wire, host state, notify trail, exit code, log and dump files (root; about
# an hour on 2 cores). `make unit` runs only the CI subset. The table is
# written to differential-report.txt; differences listed in
# differential/testdata/allow.tsv count as documented, the others are listed
# as DIFFERS (the target does not fail on them; the CI subset does).
differential:
	DIFFERENTIAL=all DIFFERENTIAL_REPORT=$(CURDIR)/differential-report.txt \
	  $(GO) test -count=1 -timeout 150m -run TestDifferential -v ./differential/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags vmtest ./...
	$(STATICCHECK) ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s -parallel 1 ./parser/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./dsas/conf/

demo: deps build
	./scripts/demo.sh

# deb packages bin/ as dist/keepalived-go_<version>_amd64.deb (see scripts/deb.sh).
deb: build
	./scripts/deb.sh

clean:
	rm -rf $(BIN) dist
