#!/usr/bin/env bash
# bench-startup-vmac.sh: corpus 072's shape (issue 11 item 14): N use_vmac
# instances (default 2 000, 250 per link over 8 veth links, one VIP each,
# state BACKUP, priority 100, advert_int 1), keepalived 2.2.7 and ours in
# turn in the same run. Root; builds a network namespace and deletes it.
#
#   scripts/bench-startup-vmac.sh [RUNS] [INSTANCES]   (default 2, 2000)
#
# Per run: exec -> every VMAC exists, exec -> the last "Entering MASTER
# STATE" (wall; Master_Down_Interval is 3.6 s of it), the daemon's CPU
# (user+sys of every process) at that moment, then SIGTERM -> exit and the
# VMACs left behind (cap 60 s; killed after). Prints each run, the best of
# each daemon and the ratios ours/keepalived.
set -euo pipefail

runs=${1:-2}
n=${2:-2000}
cd "$(dirname "$0")/.."
KA=${KEEPALIVED:-/usr/sbin/keepalived}
ns=kavmac$$
tmp=$(mktemp -d /tmp/bench-vmac.XXXXXX)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# KEEPALIVED_GO measures a given binary instead of building this tree.
if [ -n "${KEEPALIVED_GO:-}" ]; then cp "$KEEPALIVED_GO" "$tmp/keepalived"; else go build -o "$tmp/keepalived" ./cmd/keepalived; fi

links=$(((n + 249) / 250))
ip netns add "$ns"
ip -n "$ns" link set lo up
{
	for k in $(seq 0 $((links - 1))); do
		echo "link add bond$k.1 type veth peer name peer$k"
		echo "link set bond$k.1 up"
		echo "link set peer$k up"
		echo "addr add 10.$k.1.254/24 dev bond$k.1"
	done
} >"$tmp/links"
ip -n "$ns" -batch "$tmp/links"

conf=$tmp/vmac.conf
{
	printf 'global_defs {\n  router_id bench\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 1\n}\n'
	for i in $(seq 0 $((n - 1))); do
		k=$((i / 250)) id=$((i % 250 + 1))
		printf 'vrrp_instance 4.%d.1.%d {\n  state BACKUP\n  interface bond%d.1\n  use_vmac vrrp4.%d.1.%d\n  virtual_router_id %d\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.%d.1.%d/24\n  }\n}\n' \
			"$k" "$id" "$k" "$k" "$id" "$id" "$k" "$id"
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
vmacs() { ip -n "$ns" -o link show type macvlan | wc -l; }
since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }

# one LABEL BIN: prints "vmacs master cpu stop left" (s, s, s, s, count).
one() {
	local log=$tmp/$1.log pid start tv="-" tm="-" c="-" ts="-" m
	rm -f "$log" "$tmp"/*.pid
	start=$(date +%s.%N)
	ip netns exec "$ns" "$2" -n -l -P -f "$conf" -p "$tmp/$1.pid" -r "$tmp/$1-vrrp.pid" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 1200); do
		if [ "$tv" = - ] && [ "$(vmacs)" -ge "$n" ]; then tv=$(since "$start"); fi
		m=$(grep -c 'Entering MASTER STATE' "$log" 2>/dev/null || true)
		if [ "$m" -ge "$n" ]; then
			tm=$(since "$start") c=$(cpu_of "$pid")
			break
		fi
		sleep 0.05
	done
	start=$(date +%s.%N)
	kill -TERM "$pid"
	for _ in $(seq 1 600); do
		if ! kill -0 "$pid" 2>/dev/null; then ts=$(since "$start"); break; fi
		sleep 0.1
	done
	kill -KILL "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "$tv $tm $c $ts $(vmacs)"
	# The next run starts without leftovers.
	ip -n "$ns" -o link show type macvlan | awk -F': ' '{ sub(/@.*/, "", $2); print "link del " $2 }' >"$tmp/del"
	ip -n "$ns" -force -batch "$tmp/del" 2>/dev/null || true
}

best() { awk -v f="$1" '$f != "-" { if (n++ == 0 || $f < b) b = $f } END { print (n ? b : "-") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

: >"$tmp/ka.runs" && : >"$tmp/go.runs"
echo "$n VMAC instances on $links links; columns: VMACs exist s, all MASTER s, CPU s, SIGTERM -> exit s, VMACs left"
for r in $(seq "$runs"); do
	k=$(one ka "$KA")
	g=$(one go "$tmp/keepalived")
	echo "run $r: keepalived $k | ours $g"
	echo "$k" >>"$tmp/ka.runs"
	echo "$g" >>"$tmp/go.runs"
	sleep 1
done
for f in 1 2 3 4; do
	kb[$f]=$(best $f <"$tmp/ka.runs")
	gb[$f]=$(best $f <"$tmp/go.runs")
done
echo "best: keepalived VMACs ${kb[1]} s, MASTER ${kb[2]} s, CPU ${kb[3]} s, stop ${kb[4]} s | ours ${gb[1]} s, ${gb[2]} s, ${gb[3]} s, ${gb[4]} s"
echo "ratio ours/keepalived: VMACs $(ratio "${gb[1]}" "${kb[1]}"), MASTER $(ratio "${gb[2]}" "${kb[2]}"), CPU $(ratio "${gb[3]}" "${kb[3]}"), stop $(ratio "${gb[4]}" "${kb[4]}")"
