# keepalived-go build entry points. `make test` is what CI runs (via .ci/run).
GO          ?= go
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
BIN         := bin

.PHONY: all build test unit vmtest vmtest-snmp startup-scale bench bench-bfd bench-vrrp bench-heal bench-parse bench-checker lint demo deps fuzz clean deb differential differential-lvs

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

# deps installs what the tests need (Debian packages, Go modules, staticcheck);
# it is idempotent and cheap when everything is already there.
deps:
	./scripts/deps.sh

# test is everything CI runs: lint, unit + netns tests on this kernel (root),
# and the tests that need a real IPVS/VLAN/bonding kernel, inside qemu.
test: deps lint build unit vmtest vmtest-snmp

unit:
	$(GO) test -count=1 -p 2 -timeout 25m ./...

vmtest:
	./scripts/vmtest.sh

# KEEPALIVED-MIB's checker part against keepalived 2.2.7 in the VM, with the
# host's net-snmp carried in (about 90 s).
vmtest-snmp:
	./scripts/vm-snmp.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-vrrp measures failover, GARP latency, CPU and RSS next to keepalived
# 2.2.7 in a netns lab (about 4 minutes, root).
bench-vrrp: build
	KEEPALIVED_GO=$(BIN)/keepalived ./scripts/bench-vrrp.sh

# bench-bfd runs 100 BFD sessions at 10 ms x 3 between two namespaces,
# keepalived 2.2.7 at both ends, then keepalived-go, then each with the
# other: CPU and RSS of the BFD process, sessions that fell under the
# host's load, and the detection-time spread when the peer is cut (about
# 3 minutes, root; BENCH_BFD_N, BENCH_BFD_WINDOW).
bench-bfd: build
	KEEPALIVED_GO=$(CURDIR)/$(BIN)/keepalived ./scripts/bench-bfd.sh

# bench-heal measures the client black-hole after a split brain heals: 8
# random-phase heals of a 5 s partition per setup (keepalived-go and
# keepalived 2.2.7 on either side; VRRPv3 0.1 s IPv4 and IPv6, VRRPv2 1 s;
# about 6 minutes, root). VRRPLAB_HEAL_N sets the number of heals.
bench-heal: build
	KEEPALIVED_GO=$(CURDIR)/$(BIN)/keepalived VRRPLAB_HEAL=1 $(GO) test -count=1 -timeout 40m -run '^TestSplitHealMeasure$$' -v ./internal/vrrplab/

# bench-parse times -t next to keepalived 2.2.7, in the same run, on
# 10 000 virtual servers x 4 real servers, a 1 MB and a 10 MB line, 65 535
# VIPs and 200 MB of comments, and prints the ratios (BENCH_RUNS, default 3).
# bench-checker runs the LVS checker engine next to keepalived 2.2.7's checker
# process in the qemu VM (tools/vm): CPU per HTTP_GET check and RSS at 200 and
# 1 000 real servers, removal/return of 500 killed ones, start of 10 000 x 4,
# idle CPU with 40 000 destinations; prints the ratios (BENCH_RUNS, default 2).
bench-checker:
	./scripts/bench-checker.sh $(or $(BENCH_RUNS),2)

bench-parse:
	./scripts/bench-parse.sh $(or $(BENCH_RUNS),3)

# startup-scale runs the start-up-at-scale lab with 512 and 1000 instances,
# 10 start-ups each, keepalived 2.2.7 alongside (CI runs 3 of 512).
startup-scale:
	VRRPLAB_STARTUP_INSTANCES=512,1000 VRRPLAB_STARTUP_RUNS=10 VRRPLAB_STARTUP_DAEMONS=go,c \
	  $(GO) test -count=1 -run TestStartupScale -v -timeout 30m ./internal/vrrplab/
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

# differential-lvs is the LVS side of the runtime differential, in one qemu
# VM (IPVS): every virtual_server file of the corpus and
# differential/testdata/lvs, keepalived 2.2.7 and keepalived-go side by side,
# compared on ipvsadm -Sn, checker log lines, the notify trail,
# keepalived_check.data and the exit code. LVSDIFF_PARALLEL files run at
# once in the VM (default 4; a file mostly waits through its phases: about
# 2 hours one at a time). `make vmtest` runs the CI subset. Table:
# differential-lvs-report.txt; documented differences:
# differential/testdata/allow-lvs.tsv.
LVSDIFF_PARALLEL ?= 4
differential-lvs:
	LVSDIFF_PARALLEL=$(LVSDIFF_PARALLEL) VM_MEM=2G \
	  DIFFERENTIAL_LVS_REPORT=$(CURDIR)/differential-lvs-report.txt ./scripts/differential-lvs.sh all

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags vmtest ./...
	$(STATICCHECK) ./...
	$(GO) run ./internal/archlint

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s -parallel 1 ./parser/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./dsas/conf/
	$(GO) test -run '^$$' -fuzz FuzzParseVerify -fuzztime 30s -parallel 1 ./vrrp/ah/
	$(GO) test -run '^$$' -fuzz FuzzCompile -fuzztime 30s ./check/pcre/
	$(GO) test -run '^$$' -fuzz FuzzResponse -fuzztime 30s ./check/genhash/
	$(GO) test -run '^$$' -fuzz FuzzParseArgs -fuzztime 30s ./check/genhash/
	$(GO) test -run '^$$' -fuzz FuzzDecryptPKCS8 -fuzztime 30s ./check/tlskey/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./bfd/wire/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s -parallel 1 ./agentx/
	$(GO) test -run '^$$' -fuzz FuzzEngineInput -fuzztime 60s ./bfd/
	$(GO) test -run '^$$' -fuzz FuzzReadReply -fuzztime 20s ./smtpalert/
	$(GO) test -run '^$$' -fuzz FuzzServe -fuzztime 20s ./bgpproc/

demo: deps build
	./scripts/demo.sh

# deb packages bin/ as dist/keepalived-go_<version>_amd64.deb (see scripts/deb.sh).
deb: build
	./scripts/deb.sh

clean:
	rm -rf $(BIN) dist
