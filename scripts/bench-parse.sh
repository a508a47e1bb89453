#!/usr/bin/env bash
# bench-parse.sh: parse + validate time of the 10 000 virtual server x 4 real
# server configuration (parser/bench_test.go writes it), ours next to
# keepalived -t on the same file, in the same run.
#
#   scripts/bench-parse.sh [RUNS]      (default 3; the best run of each counts)
#
# Prints wall and CPU (user+sys) seconds of `keepalived -t -f FILE` and of
# our `keepalived -t -f FILE`, BenchmarkParse10k's ns/op, B/op and allocs/op,
# and the ratios ours/keepalived. CPU time is the steadier figure on a shared
# machine; wall time is what an operator waits.
set -euo pipefail

runs=${1:-3}
cd "$(dirname "$0")/.."
KA=${KEEPALIVED:-/usr/sbin/keepalived}
tmp=$(mktemp -d /tmp/bench-parse.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
conf=$tmp/bench.conf

KA_BENCH_CONF=$conf go test -count=1 -run '^TestWriteBenchConfig$' ./parser/ >/dev/null
echo "config: $(grep -c '^virtual_server ' "$conf") virtual servers," \
	"$(grep -c 'real_server ' "$conf") real servers, $(wc -c <"$conf") bytes"

# best RUNS of a command: prints "wall cpu exit" (seconds).
best() {
	local bw= bc= rc=0 line w u s
	for _ in $(seq "$runs"); do
		line=$( { TIMEFORMAT='%R %U %S'; time { "$@" >/dev/null 2>&1 && echo 0 >"$tmp/rc" || echo $? >"$tmp/rc"; }; } 2>&1 )
		rc=$(cat "$tmp/rc")
		read -r w u s <<<"$(tail -n1 <<<"$line")"
		c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w; fi
		if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then bc=$c; fi
	done
	echo "$bw $bc $rc"
}

ka_wall= ka_cpu=
if [ -x "$KA" ]; then
	read -r ka_wall ka_cpu ka_rc <<<"$(best "$KA" -t -f "$conf")"
	printf '%-28s wall %7.3f s  cpu %7.3f s  exit %s\n' "keepalived 2.2.7 -t" "$ka_wall" "$ka_cpu" "$ka_rc"
else
	echo "$KA not found: no keepalived comparison (apt-get install keepalived)"
fi

ours_wall= ours_cpu=
if go build -o "$tmp/keepalived" ./cmd/keepalived 2>"$tmp/build.err"; then
	read -r ours_wall ours_cpu ours_rc <<<"$(best "$tmp/keepalived" -t -f "$conf")"
	printf '%-28s wall %7.3f s  cpu %7.3f s  exit %s\n' "ours (cmd/keepalived -t)" "$ours_wall" "$ours_cpu" "$ours_rc"
else
	echo "cmd/keepalived does not build: binary not timed"; cat "$tmp/build.err"
fi

bench=$(go test -run '^$' -bench '^BenchmarkParse10k$' -benchmem -benchtime "${runs}x" ./parser/ | grep '^BenchmarkParse10k')
read -r _ _ ns _ _ _ bop _ allocs _ <<<"$bench"
bench_s=$(awk -v n="$ns" 'BEGIN { printf "%.3f", n / 1e9 }')
printf '%-28s %7.3f s/op  %s B/op  %s allocs/op\n' "BenchmarkParse10k (mean)" "$bench_s" "$bop" "$allocs"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [ -n "$ka_wall" ]; then
	echo "ratio ours/keepalived:"
	echo "  BenchmarkParse10k / keepalived -t wall: $(ratio "$bench_s" "$ka_wall")"
	if [ -n "$ours_wall" ]; then
		echo "  binary -t / keepalived -t wall:        $(ratio "$ours_wall" "$ka_wall")"
		echo "  binary -t / keepalived -t cpu:         $(ratio "$ours_cpu" "$ka_cpu")"
	fi
fi
