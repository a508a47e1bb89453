#!/usr/bin/env bash
# demo.sh - live VRRP failover with two keepalived-go routers (`sudo make demo`).
#
# Builds a throw-away lab out of network namespaces (nothing outside them is
# touched), starts keepalived-go on two routers with the configuration below,
# shows who is master, kills the master with SIGKILL and shows the backup
# taking over, with the failover time measured on the wire. Everything is
# removed at the end, also on Ctrl-C or error.
#
#   client --+
#   r1 ------+-- bridge (in its own namespace)
#   r2 ------+
#
# Environment: KEEPALIVED_GO=path (default bin/keepalived).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KEEPALIVED_GO:-$PWD/bin/keepalived}

[[ $EUID -eq 0 ]] || { echo "demo: needs root (network namespaces): sudo make demo" >&2; exit 1; }
[[ -x $BIN ]] || { echo "demo: $BIN not found; run make build first" >&2; exit 1; }

# Unique names: several demos (or test runs) can share the machine.
ID=kgd$$
SW=$ID-sw
NET=10.99.0
VIP=$NET.100
DIR=$(mktemp -d /run/keepalived-go-demo.XXXXXX)
chmod 755 "$DIR" # keepalived refuses scripts in directories others can write
PIDS=()
NSS=()

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '  %s\n' "$*"; }
now() { echo "${EPOCHREALTIME/./}"; } # microseconds, no fork

cleanup() {
	set +e
	for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$DIR"
	echo
	echo "lab removed (namespaces ${NSS[*]})"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the lab ----------------------------------------------------------------
bold "1. Building the lab: a switch, routers r1 and r2, and a client"
ip netns add "$SW"; NSS+=("$SW")
ip netns exec "$SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$SW" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
ip -n "$SW" link set br0 up
n=0
for h in r1 r2 client; do
	n=$((n + 1))
	ns=$ID-$h
	ip netns add "$ns"; NSS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$SW" link add "p$n" type veth peer name eth0 netns "$ns"
	ip -n "$SW" link set "p$n" master br0 up
	ip -n "$ns" link set eth0 address "02:00:00:00:00:0$n"
	ip -n "$ns" addr add "$NET.1$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	say "$h: eth0 $NET.1$n  MAC 02:00:00:00:00:0$n   (namespace $ns)"
done

# --- the configuration (embedded default) ------------------------------------
cat >"$DIR/notify.sh" <<'EOF'
#!/bin/bash
# keepalived appends: INSTANCE name state priority
f=$1; shift
echo "$EPOCHREALTIME $*" >>"$f"
EOF
chmod 755 "$DIR/notify.sh"
conf() { # name priority
	cat <<EOF
global_defs {
    router_id $1
    script_user root
    enable_script_security
    vrrp_version 3
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 0.1
    virtual_ipaddress {
        $VIP/24
    }
    notify "$DIR/notify.sh $DIR/$1.notify"
}
EOF
}
conf r1 150 >"$DIR/r1.conf"
conf r2 100 >"$DIR/r2.conf"
bold "2. The configuration (r1; r2 is the same with priority 100)"
sed 's/^/    /' "$DIR/r1.conf"
say "VRRPv3 with advert_int 0.1 s: a backup declares the master dead after"
say "3 x 0.1 s + skew (256-100)/256 x 0.1 s = 0.36 s without adverts."

# Watch the wire from the switch: the first advert of the new master is when
# it took over.
if command -v tcpdump >/dev/null; then
	setsid ip netns exec "$SW" tcpdump -i br0 -l -n -e -tt 'ip proto 112 or arp' >"$DIR/wire.txt" 2>/dev/null &
	PIDS+=($!)
fi

start() { # router
	setsid ip netns exec "$ID-$1" "$BIN" -n -l -D -G -P -f "$DIR/$1.conf" \
		-p "$DIR/$1.pid" -r "$DIR/$1.vrrp.pid" -c "$DIR/$1.chk.pid" >"$DIR/$1.log" 2>&1 </dev/null &
	PIDS+=($!)
	eval "PID_$1=$!"
	disown $! # its SIGKILL below is the point, not something for bash to report
}
state() { # router -> last notified state
	[[ -s $DIR/$1.notify ]] || { echo "-"; return; }
	tail -n 1 "$DIR/$1.notify" | awk '{print $4}'
}
wait_state() { # router state timeout_s
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[[ $(state "$1") == "$2" ]] && return 0
		sleep 0.05
	done
	echo "demo: $1 did not become $2; its log:" >&2
	cat "$DIR/$1.log" >&2
	exit 1
}
client_view() {
	ip netns exec "$ID-client" ping -c 1 -W 1 "$VIP" >/dev/null && ok=replies || ok="does NOT reply"
	mac=$(ip -n "$ID-client" neigh show "$VIP" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
	case $mac in
	02:00:00:00:00:01) who=" (r1)" ;;
	02:00:00:00:00:02) who=" (r2)" ;;
	*) who= ;;
	esac
	say "client: ping $VIP $ok; its ARP table says $VIP is at ${mac:-?}$who"
}

bold "3. Starting keepalived-go on r1 and r2"
start r1
start r2
wait_state r1 MASTER 10
wait_state r2 BACKUP 10
say "r1: $(state r1)   r2: $(state r2)"
say "r1's eth0: $(ip -n "$ID-r1" -o -4 addr show dev eth0 | awk '{print $4}' | paste -sd' ')"
client_view

bold "4. Killing r1's keepalived-go with SIGKILL (a crash: no goodbye advert)"
sleep 0.5
t0=$(now)
kill -KILL -- "-$PID_r1"
say "killed at $(date +%T.%3N)"
wait_state r2 MASTER 10
t_notify=$(awk '$4 == "MASTER" {print $1}' "$DIR/r2.notify" | tail -n 1)
say "r2: $(state r2)"
sleep 0.3 # let the capture catch up
if [[ -s $DIR/wire.txt ]]; then
	# first VRRP advert sent by r2's MAC after the kill
	t_adv=$(awk -v t0="$t0" '$2 == "02:00:00:00:00:02" && /VRRP/ { split($1, a, "."); us = a[1] a[2]; if (us + 0 >= t0 + 0) { print us; exit } }' "$DIR/wire.txt")
	t_garp=$(awk -v t0="$t0" '$2 == "02:00:00:00:00:02" && /ARP/ { split($1, a, "."); us = a[1] a[2]; if (us + 0 >= t0 + 0) { print us; exit } }' "$DIR/wire.txt")
	# last advert r1 sent before it died
	t_last=$(awk -v t0="$t0" '$2 == "02:00:00:00:00:01" && /VRRP/ { split($1, a, "."); us = a[1] a[2]; if (us + 0 < t0 + 0) last = us } END { print last }' "$DIR/wire.txt")
	if [[ -n $t_adv ]]; then
		say "failover: r2's first advert on the wire $(((t_adv - t0) / 1000)) ms after the kill"
		[[ -n $t_last ]] && say "          ($(((t_adv - t_last) / 1000)) ms after r1's last advert: the 0.36 s above)"
		[[ -n $t_garp ]] && say "          r2's gratuitous ARP for $VIP $(((t_garp - t0) / 1000)) ms after the kill"
	fi
fi
say "          r2's notify script ran $(((${t_notify/./} - t0) / 1000)) ms after the kill"
say "r2's eth0: $(ip -n "$ID-r2" -o -4 addr show dev eth0 | awk '{print $4}' | paste -sd' ')"
sleep 0.2
client_view
say "(the kernel of the crashed r1 still holds $VIP; the gratuitous ARP moved the client to r2)"

bold "5. Done - cleaning up"
