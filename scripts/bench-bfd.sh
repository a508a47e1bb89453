#!/usr/bin/env bash
# bench-bfd.sh - BFD at scale: keepalived-go next to keepalived 2.2.7.
#
# Two network namespaces joined by a veth, N sessions (default 100) at
# 10 ms x 3 between them: each session has its own address pair
# (10.97.1.i <-> 10.97.2.i). Each implementation runs as both ends in turn,
# with the same configuration:
#   1. start both ends, wait until all N sessions are Up on side A;
#   2. after a settling pause, sample CPU time (utime+stime) and RSS of
#      side A over a window: keepalived's BFD child alone and all its
#      processes (parent + BFD child; no VRRP or checker child runs), and
#      keepalived-go's one process;
#   3. cut the peer (nftables drops every BFD packet entering A) and read the
#      detection time of each session from A's "(Bi) Expired after N ms
#      (U usec overdue)" lines: detection = multiplier x interval + overdue.
# Prints a Markdown table. Takes about 2 minutes with the defaults.
#
# Usage: sudo scripts/bench-bfd.sh
# Environment: BENCH_BFD_N (sessions, default 100),
#              BENCH_BFD_WINDOW (CPU window in s, default 20),
#              KEEPALIVED_GO (binary to measure; default: built from this tree),
#              KEEPALIVED_C (default /usr/sbin/keepalived),
#              BENCH_BFD_KEEP (a directory to copy the logs to),
#              BENCH_BFD_ONLY=go (keepalived-go at both ends only).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "bench-bfd: needs root (network namespaces)" >&2; exit 1; }
KA=${KEEPALIVED_C:-/usr/sbin/keepalived}
[[ -x $KA ]] || { echo "bench-bfd: $KA missing (apt-get install keepalived)" >&2; exit 1; }
N=${BENCH_BFD_N:-100}
WINDOW=${BENCH_BFD_WINDOW:-20}
tmp=$(mktemp -d /tmp/bench-bfd.XXXXXX)
sfx=$$
nsa=bbfda$sfx
nsb=bbfdb$sfx
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	if [[ -n ${BENCH_BFD_KEEP:-} ]]; then
		cp -r "$tmp" "$BENCH_BFD_KEEP"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${KEEPALIVED_GO:-} ]]; then
	CGO_ENABLED=0 go build -trimpath -o "$tmp/keepalived-go" ./cmd/keepalived
	KEEPALIVED_GO=$tmp/keepalived-go
fi
hz=$(getconf CLK_TCK)

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "bfa$sfx" netns "$nsa" type veth peer name "bfb$sfx" netns "$nsb"
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
{
	for i in $(seq 1 "$N"); do
		echo "addr add 10.97.$((1 + (i - 1) / 250)).$((1 + (i - 1) % 250))/16 dev bfa$sfx"
	done
} | ip -n "$nsa" -batch -
{
	for i in $(seq 1 "$N"); do
		echo "addr add 10.97.$((101 + (i - 1) / 250)).$((1 + (i - 1) % 250))/16 dev bfb$sfx"
	done
} | ip -n "$nsb" -batch -
ip -n "$nsa" link set "bfa$sfx" up
ip -n "$nsb" link set "bfb$sfx" up

# conf SIDE: one bfd_instance per address pair.
conf() {
	local me=$1 peer=$2
	for i in $(seq 1 "$N"); do
		local x=$((1 + (i - 1) % 250)) y=$(((i - 1) / 250))
		cat <<EOF
bfd_instance B$i {
  neighbor_ip 10.97.$((peer + y)).$x
  source_ip 10.97.$((me + y)).$x
  min_rx 10
  min_tx 10
  multiplier 3
}
EOF
	done
}
conf 1 101 >"$tmp/a.conf"
conf 101 1 >"$tmp/b.conf"

# cpu PID...: summed utime+stime ticks of the processes.
cpu() {
	local t=0 p
	for p in "$@"; do
		# fields 14 and 15 after the command name, which may hold spaces
		t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo "$t"
}
rss_of() {
	local s=0 p
	for p in "$@"; do s=$((s + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status"))); done
	echo "$s"
}

# ups LOG: how many distinct sessions have come Up.
ups() { grep -o '(B[0-9]*) Entering Up state' "$1" 2>/dev/null | sort -u | wc -l; }

# after LINE LOG: the log's lines after line LINE.
after() { tail -n +"$(($1 + 1))" "$2"; }

# run NAME BINARY_A BINARY_B: side A and side B; prints a table row.
run() {
	local name=$1 d
	d=$tmp/$(echo "$1" | tr -c 'a-z-\n' '_')
	mkdir -p "$d/a" "$d/b"
	local side bin extra
	for side in a b; do
		local ns=$nsa
		bin=$2
		if [[ $side == b ]]; then
			ns=$nsb
			bin=$3
		fi
		extra=()
		# keepalived-go's control socket is not needed here.
		[[ $bin == "$KA" ]] || extra=(--control-socket -)
		ip netns exec "$ns" env TMPDIR="$d/$side" "$bin" -n -l -D -f "$tmp/$side.conf" \
			-p "$d/$side/k.pid" -r "$d/$side/v.pid" -c "$d/$side/c.pid" -b "$d/$side/b.pid" \
			"${extra[@]}" >"$d/$side.log" 2>&1 &
		pids+=($!)
	done
	local deadline=$((SECONDS + 60))
	until [[ $(ups "$d/a.log") -ge $N ]]; do
		if ((SECONDS > deadline)); then
			echo "bench-bfd: $name: only $(ups "$d/a.log") of $N sessions came Up" >&2
			tail -20 "$d/a.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	sleep 5
	local main bfdp all
	main=$(cat "$d/a/k.pid")
	bfdp=$(cat "$d/a/b.pid")
	all=("$main")
	[[ $bfdp != "$main" ]] && all+=("$bfdp")
	local c0 b0 c1 b1
	local l0 l1
	l0=$(wc -l <"$d/a.log")
	c0=$(cpu "${all[@]}")
	b0=$(cpu "$bfdp")
	sleep "$WINDOW"
	c1=$(cpu "${all[@]}")
	b1=$(cpu "$bfdp")
	l1=$(wc -l <"$d/a.log")
	# Sessions that fell during the window (a loaded host delays packets).
	local flaps
	flaps=$(sed -n "$((l0 + 1)),${l1}p" "$d/a.log" | grep -c 'Entering Down state' || true)
	local rss_bfd rss_all
	rss_bfd=$(rss_of "$bfdp")
	rss_all=$(rss_of "${all[@]}")
	# Cut: every BFD packet entering A is dropped; B keeps sending.
	ip netns exec "$nsa" nft -f - <<EOF
table inet bbfdcut$sfx {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport 3784 drop
  }
}
EOF
	deadline=$((SECONDS + 20))
	until [[ $(after "$l1" "$d/a.log" | grep -c 'Expired after' || true) -ge $N ]]; do
		if ((SECONDS > deadline)); then break; fi
		sleep 0.2
	done
	ip netns exec "$nsa" nft delete table inet "bbfdcut$sfx"
	# Detection = 3 x 10 ms + overdue, the first expiry of each session
	# after the cut, sorted (µs).
	after "$l1" "$d/a.log" | sed -n 's/.*(\(B[0-9]*\)) Expired after [0-9]* ms (\([0-9-]*\) usec overdue).*/\1 \2/p' |
		awk '!seen[$1]++ {print 30000 + $2}' | sort -n >"$d/detect"
	local n min med p90 max
	n=$(wc -l <"$d/detect")
	if ((n == 0)); then
		min=- med=- p90=- max=-
	else
		min=$(head -1 "$d/detect")
		med=$(sed -n "$(((n + 1) / 2))p" "$d/detect")
		p90=$(sed -n "$(((n * 9 + 9) / 10))p" "$d/detect")
		max=$(tail -1 "$d/detect")
	fi
	local secs=$WINDOW
	printf '| %s | %d | %s | %s | %s | %s | %d | %s / %s / %s / %s |\n' "$name" "$flaps" \
		"$(awk -v t=$((b1 - b0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.1f %%", 100 * t / hz / s}')" \
		"$(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.1f %%", 100 * t / hz / s}')" \
		"$((rss_bfd / 1024)) MiB" "$((rss_all / 1024)) MiB" "$n" \
		"$(awk -v v="$min" 'BEGIN {printf "%.1f", v / 1000}')" "$(awk -v v="$med" 'BEGIN {printf "%.1f", v / 1000}')" \
		"$(awk -v v="$p90" 'BEGIN {printf "%.1f", v / 1000}')" "$(awk -v v="$max" 'BEGIN {printf "%.1f", v / 1000}')"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	pids=()
	sleep 1
}

echo "# BFD benchmark $(date -u '+%F %H:%M UTC'), $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$N sessions at 10 ms x 3 between two namespaces, the same implementation at both ends; side A measured."
echo "CPU over ${WINDOW} s (100 % = one core). Detection after the cut: min / median / p90 / max, ms."
echo
echo "| implementation | sessions fallen during the window | CPU, BFD process | CPU, all processes | RSS, BFD process | RSS, all processes | sessions detected | detection ms |"
echo "|---|---|---|---|---|---|---|---|"
if [[ ${BENCH_BFD_ONLY:-} == go ]]; then
	run keepalived-go "$KEEPALIVED_GO" "$KEEPALIVED_GO"
	exit 0
fi
run keepalived "$KA" "$KA"
run keepalived-go "$KEEPALIVED_GO" "$KEEPALIVED_GO"
# Mixed: which side of ours (receiving or sending) a difference comes from.
run "keepalived-go (A) with keepalived (B)" "$KEEPALIVED_GO" "$KA"
run "keepalived (A) with keepalived-go (B)" "$KA" "$KEEPALIVED_GO"
