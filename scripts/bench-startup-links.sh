#!/usr/bin/env bash
# bench-startup-links.sh: 1 000 VRRP instances (250 on each of 4 bridges,
# one VIP each, state MASTER) on a host with about 500 links, keepalived
# 2.2.7 and ours in turn in the same run (issue 16: start-up must not cost
# instances x links). Root; builds a network namespace and deletes it.
#
#   scripts/bench-startup-links.sh [RUNS]   (default 3)
#
# Per run: exec -> the 1 000th "Entering MASTER STATE" log line (wall), and
# the CPU (user+sys) of every process of the daemon at that moment. Prints
# each run, the best of each daemon and the ratios ours/keepalived. The
# daemons are stopped with SIGKILL: the namespace goes away with their VIPs.
set -euo pipefail

runs=${1:-3}
cd "$(dirname "$0")/.."
KA=${KEEPALIVED:-/usr/sbin/keepalived}
ns=kabench$$
tmp=$(mktemp -d /tmp/bench-startup.XXXXXX)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# KEEPALIVED_GO measures a given binary instead of building this tree.
if [ -n "${KEEPALIVED_GO:-}" ]; then cp "$KEEPALIVED_GO" "$tmp/keepalived"; else go build -o "$tmp/keepalived" ./cmd/keepalived; fi

# 4 bridges with a veth port each (the instances' links) and 250 more veth
# pairs: 509 links with lo.
ip netns add "$ns"
ip -n "$ns" link set lo up
{
	for k in 0 1 2 3; do
		echo "link add d$k type bridge"
		echo "link add p$k type veth peer name q$k"
		echo "link set p$k master d$k"
		echo "link set p$k up"
		echo "link set q$k up"
		echo "link set d$k up"
		echo "addr add 192.168.$((77 + k)).1/24 dev d$k"
	done
	for i in $(seq 1 250); do echo "link add x$i type veth peer name y$i"; done
} >"$tmp/links"
ip -n "$ns" -batch "$tmp/links"
echo "links in the namespace: $(ip -n "$ns" -o link | wc -l)"

conf=$tmp/inst.conf
{
	printf 'global_defs {\n  router_id bench\n}\n'
	for i in $(seq 0 999); do
		printf 'vrrp_instance V%d {\n  state MASTER\n  interface d%d\n  virtual_router_id %d\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    10.%d.%d.1/32\n  }\n}\n' \
			"$i" $((i / 250)) $((i % 250 + 1)) $((100 + i / 250)) $((i % 250))
	done
} >"$conf"

hz=$(getconf CLK_TCK)
# cpu_of PID: CPU seconds of PID and its children (keepalived forks).
cpu_of() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	awk -v t="$t" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'
}

# one LABEL BIN: prints "wall cpu" or "timeout".
one() {
	local log=$tmp/$1.log pid start n
	rm -f "$log" "$tmp"/*.pid
	start=$(date +%s.%N)
	ip netns exec "$ns" "$2" -n -l -P -f "$conf" -p "$tmp/$1.pid" -r "$tmp/$1-vrrp.pid" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 1200); do
		n=$(cat "$log" 2>/dev/null | grep -c 'Entering MASTER STATE' || true)
		if [ "$n" -ge 1000 ]; then
			awk -v s="$start" -v e="$(date +%s.%N)" -v c="$(cpu_of "$pid")" 'BEGIN { printf "%.2f %s\n", e - s, c }'
			kill -KILL "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return
		fi
		sleep 0.05
	done
	echo timeout
	kill -KILL "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

best() { awk '$1 != "timeout" { if (n++ == 0 || $1 < w) w = $1; if (n == 1 || $2 < c) c = $2 } END { printf "%s %s\n", w, c }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

: >"$tmp/ka.runs" && : >"$tmp/go.runs"
for r in $(seq "$runs"); do
	k=$(one ka "$KA")
	g=$(one go "$tmp/keepalived")
	echo "run $r: keepalived $k | ours $g   (wall s, CPU s)"
	echo "$k" >>"$tmp/ka.runs"
	echo "$g" >>"$tmp/go.runs"
	sleep 1
done
read -r kw kc < <(best <"$tmp/ka.runs")
read -r gw gc < <(best <"$tmp/go.runs")
echo "best: keepalived ${kw} s wall, ${kc} s CPU | ours ${gw} s wall, ${gc} s CPU | ratio wall $(ratio "$gw" "$kw"), CPU $(ratio "$gc" "$kc")"
