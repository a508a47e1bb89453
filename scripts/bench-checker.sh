#!/usr/bin/env bash
# bench-checker.sh: the LVS checker engine of keepalived-go next to
# keepalived 2.2.7's checker process, in the qemu VM of tools/vm (IPVS is
# not in this host's kernel). tools/benchchecker runs in the VM and runs
# both daemons in turn with `-n -C` against local HTTP responders:
#
#   checksN   N real servers (BENCH_REALS, default 200,1000), HTTP_GET at
#             delay_loop 1: CPU of the checker process per check, RSS
#   killK     K of the largest N killed (listeners closed): time until all
#             are out of IPVS, then restarted: time until all are back
#             (connect_timeout 1, retry 1, delay_before_retry 1)
#   startSx4  S virtual servers x 4 real servers (BENCH_SCALE, 10000) with
#             HTTP_GET at delay_loop BENCH_SCALE_DELAY (60): time and CPU until
#             the whole table is in the kernel, RSS, then CPU and checks over one delay_loop
#   idleSx4   the same table without checkers: CPU over BENCH_IDLE (100s)
#
#   scripts/bench-checker.sh [RUNS]      (default 2; the daemons alternate
#                                         which goes first)
#
# BENCH_MEMSTATS=1 also prints where each daemon's resident set is (SMAPS,
# PAGES lines), BENCH_HEAPSTATS=1 ours' runtime memory classes and heap
# profile (a -tags memstats build); BENCH_OURS=FILE measures that prebuilt
# keepalived-go instead of building one.
#
# Prints ours, keepalived's and ours/keepalived for every measure: min and
# median over the runs of each figure and of the per-run ratio. Under TCG
# the VM runs 5-8x slower than the host: compare ratios only. Lower is better
# for every figure except checks_per_s and first_interval_checks.
set -euo pipefail

runs=${1:-2}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/bench-checker.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/payload"
# BENCH_OURS: a prebuilt keepalived-go to measure instead (an A/B of builds).
if [ -n "${BENCH_OURS:-}" ]; then
	cp "$BENCH_OURS" "$tmp/payload/keepalived-go"
else
	CGO_ENABLED=0 go build ${BENCH_HEAPSTATS:+-tags memstats} -o "$tmp/payload/keepalived-go" ./cmd/keepalived
fi
CGO_ENABLED=0 go build -o "$tmp/payload/benchchecker" ./tools/benchchecker

VM_MEM=${VM_MEM:-2G} VM_TIMEOUT=${VM_TIMEOUT:-5400} tools/vm/run-in-vm.sh "$tmp/payload" -- \
	benchchecker -runs "$runs" -reals "${BENCH_REALS:-200,1000}" -window "${BENCH_WINDOW:-20s}" \
	-kill "${BENCH_KILL:-500}" -scale "${BENCH_SCALE:-10000}" -scale-delay "${BENCH_SCALE_DELAY:-60}" \
	-idle "${BENCH_IDLE:-100s}" ${BENCH_MEMSTATS:+-memstats} ${BENCH_HEAPSTATS:+-heapstats} 2>&1 | tee "$tmp/out" | grep -v '^RESULT' || true

grep '^RESULT' "$tmp/out" >"$tmp/results" || { echo "bench-checker: no results" >&2; exit 1; }
# RESULT name daemon value, ours and theirs once per run and name.
awk '
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function mn(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
{
	if (!($2 in seen)) { seen[$2] = 1; names[++nn] = $2 }
	k = $2 SUBSEP $3; cnt[k]++; v[k, cnt[k]] = $4
}
END {
	printf "%-40s %5s %22s %22s %16s\n", "measure", "runs", "ours min/median", "keepalived min/median", "ratio min/median"
	for (i = 1; i <= nn; i++) {
		n = names[i]; no = cnt[n, "ours"]; nt = cnt[n, "theirs"]; r = no < nt ? no : nt
		split("", o); split("", t); split("", q)
		for (j = 1; j <= no; j++) o[j] = v[n, "ours", j]
		for (j = 1; j <= nt; j++) t[j] = v[n, "theirs", j]
		nq = 0
		for (j = 1; j <= r; j++) if (t[j] > 0) q[++nq] = o[j] / t[j]
		ratio = nq ? sprintf("%.2f/%.2f", mn(q, nq), med(q, nq)) : "n/a (ka 0)"
		printf "%-40s %5d %22s %22s %16s\n", n, r, sprintf("%.4g/%.4g", mn(o, no), med(o, no)), sprintf("%.4g/%.4g", mn(t, nt), med(t, nt)), ratio
	}
}' "$tmp/results"
