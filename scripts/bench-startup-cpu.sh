#!/usr/bin/env bash
# bench-startup-cpu.sh: the start-up CPU of a MASTER host with N VRRP
# instances (one VIP each, state MASTER, priority 150, advert_int 1, one
# veth link), keepalived 2.2.7 and ours alternately in the same run
# (issue 16). Root; builds two network namespaces per run and deletes them.
#
#   scripts/bench-startup-cpu.sh [RUNS] [N]     (default 6, 255)
#
# Per run and daemon: the CPU of every thread of every process of the
# daemon (/proc/PID/task/*/schedstat) and its minor page faults at 1.5 s
# (start-up done, before the takeover at Master_Down_Interval, 3.4 s) and
# at 4.5 s (after the takeover), then Pss at 14 s (past keepalived-go's
# settle step at 12 s). Prints each run and the medians with the ratios
# ours/keepalived. Takes about 35 s per run. The daemon is alone on its
# link, so Pss counts no page shared with a second daemon (TestPerf's
# keepalived shares its binary and libraries with the BACKUP host's).
set -euo pipefail

runs=${1:-6}
n=${2:-255}
cd "$(dirname "$0")/.."
KA=${KEEPALIVED:-/usr/sbin/keepalived}
tmp=$(mktemp -d /tmp/bench-startup-cpu.XXXXXX)
ns=kacpu$$
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
	ip netns del "${ns}a" 2>/dev/null || true
	ip netns del "${ns}b" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# KEEPALIVED_GO measures a given binary (build it as shipped:
# CGO_ENABLED=0 go build -trimpath). KEEPALIVED_GO_B adds a second one
# (an A/B: "keepalived-go-b"), run between the first and keepalived.
if [ -n "${KEEPALIVED_GO:-}" ]; then cp "$KEEPALIVED_GO" "$tmp/keepalived-go"; else CGO_ENABLED=0 go build -trimpath -o "$tmp/keepalived-go" ./cmd/keepalived; fi
daemons="keepalived-go keepalived"
if [ -n "${KEEPALIVED_GO_B:-}" ]; then
	cp "$KEEPALIVED_GO_B" "$tmp/keepalived-go-b"
	daemons="keepalived-go keepalived-go-b keepalived"
fi

{
	printf 'global_defs {\n router_id h1\n script_user root\n enable_script_security\n notify_fifo %s/fifo\n}\n' "$tmp"
	for i in $(seq 1 "$n"); do
		printf 'vrrp_instance VI_%d {\n state MASTER\n interface lab0\n virtual_router_id %d\n priority 150\n advert_int 1\n virtual_ipaddress {\n  10.214.%d.%d/32\n }\n}\n' \
			"$i" "$(( (i - 1) % 255 + 1 ))" "$((i >> 8))" "$((i & 255))"
	done
} >"$tmp/k.conf"
mkfifo "$tmp/fifo"
exec 9<>"$tmp/fifo"
cat <&9 >/dev/null &
drain=$!

# cpu_ms and minflt of every process of the daemon rooted at $1.
measure() {
	local t=0 f=0 p a rest
	for p in $(pgrep -P "$1") "$1"; do
		for s in /proc/"$p"/task/*/schedstat; do read -r a rest <"$s"; t=$((t + a)); done
		f=$((f + $(awk '{print $10}' /proc/"$p"/stat)))
	done
	echo "$((t / 1000000)) $f"
}
pss() { # "Pss Pss_Anon" in KiB: the anonymous part does not move with the page cache
	local s=0 a=0 p
	for p in $(pgrep -P "$1") "$1"; do
		s=$((s + $(awk '/^Pss:/{print $2}' /proc/"$p"/smaps_rollup)))
		a=$((a + $(awk '/^Pss_Anon:/{print $2}' /proc/"$p"/smaps_rollup)))
	done
	echo "$s $a"
}

one() { # daemon binary -> "cpu1.5 flt1.5 cpu4.5 flt4.5 pss14 pssanon14"
	ip netns add "${ns}a"
	ip netns add "${ns}b"
	ip link add "${ns}x" type veth peer name "${ns}y"
	ip link set "${ns}x" netns "${ns}a" name lab0
	ip link set "${ns}y" netns "${ns}b" name lab0
	ip -n "${ns}a" addr add 10.213.0.1/24 dev lab0
	ip -n "${ns}a" link set lab0 up
	ip -n "${ns}a" link set lo up
	ip -n "${ns}b" link set lab0 up
	ip netns exec "${ns}a" "$1" -n -l -D -G -P -f "$tmp/k.conf" -p "$tmp/m.pid" -r "$tmp/v.pid" -c "$tmp/c.pid" >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	local a b c
	a=$(measure "$pid")
	sleep 3
	b=$(measure "$pid")
	sleep 9.5
	c=$(pss "$pid")
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	pid=
	ip netns del "${ns}a"
	ip netns del "${ns}b"
	echo "$a $b $c"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
declare -A col
for r in $(seq 1 "$runs"); do
	for d in $daemons; do
		bin=$tmp/$d
		[ "$d" = keepalived ] && bin=$KA
		read -r c1 f1 c2 f2 p pa <<<"$(one "$bin")"
		echo "run $r $d: start-up CPU ${c1} ms (${f1} faults), through the takeover ${c2} ms (${f2} faults), Pss ${p} KiB (anonymous ${pa})"
		col[$d.c1]+="$c1 " col[$d.c2]+="$c2 " col[$d.f2]+="$f2 " col[$d.p]+="$p " col[$d.pa]+="$pa "
	done
done
kill "$drain" 2>/dev/null || true
echo
echo "medians of $runs, $n instances: keepalived-go / keepalived 2.2.7 = ratio"
for k in "c1:CPU to 1.5 s, ms" "c2:CPU to 4.5 s (takeover done), ms" "f2:minor faults to 4.5 s" "p:Pss at 14 s, KiB" "pa:Pss_Anon at 14 s, KiB"; do
	key=${k%%:*}
	c=$(echo "${col[keepalived.$key]}" | tr ' ' '\n' | grep . | median)
	for d in $daemons; do
		[ "$d" = keepalived ] && continue
		g=$(echo "${col[$d.$key]}" | tr ' ' '\n' | grep . | median)
		echo "${k#*:}: $d $g / $c = $(awk -v g="$g" -v c="$c" 'BEGIN {printf "%.2f", g / c}')"
	done
done
