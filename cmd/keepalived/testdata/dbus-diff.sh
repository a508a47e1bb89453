#!/bin/sh
# dbus-diff.sh CONFDIR KEEPALIVED-COMMAND...
#
# Runs under `unshare -m`: a private system bus (dbus-daemon --system, the
# policy from CONFDIR/policy.conf), two network namespaces joined by a
# veth, keepalived 2.2.7 as the MASTER peer in A and the daemon under test
# (enable_dbus, priority 100) in B. Prints what a D-Bus client sees of B:
# the object tree, introspection, properties, method results and, last,
# every signal under /org/keepalived in order. The peer is stopped so that
# B takes over, B is asked to print its data and reload, the peer returns
# and B goes back to BACKUP, then B is stopped.
set -eu
src=$1; shift
W=/run/kd
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p $W /run/dbus /run/netns
cp "$src"/*.conf $W/
# Everything the daemons read lives in $W, so /tmp can be private: the
# data and stats files are then this run's.
if [ "$1" = env ]; then cp "$3" $W/kg; set -- env "$2" $W/kg; fi
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /etc/dbus-1/system.d
cp $W/policy.conf /etc/dbus-1/system.d/org.keepalived.Vrrp1.conf
dbus-daemon --system --nofork --nopidfile 2>/dev/null & bus=$!
# Whatever happens, nothing started here outlives the run.
trap 'st=$?; kill $bus ${mon:-} ${peer:-} ${dut:-} $(cat $W/b.pid 2>/dev/null) 2>/dev/null || true; exit $st' EXIT
trap 'exit 1' TERM INT
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
until [ -S /run/dbus/system_bus_socket ]; do sleep 0.1; done

ip netns add A; ip netns add B
ip link add a0 netns A type veth peer name b0 netns B
for n in A B; do ip -n $n link set lo up; done
ip -n A link set a0 up; ip -n B link set b0 up
ip -n A addr add 10.9.0.1/24 dev a0; ip -n B addr add 10.9.0.2/24 dev b0
ip -n A addr add fd00::1/64 dev a0 nodad; ip -n B addr add fd00::2/64 dev b0 nodad

busctl monitor > $W/monitor 2>&1 & mon=$!
until grep -q Monitoring $W/monitor 2>/dev/null; do sleep 0.1; done

ip netns exec A /usr/sbin/keepalived -n -l -f $W/peer.conf -p $W/a.pid -r $W/a-vrrp.pid -c $W/a-chk.pid > $W/peer.log 2>&1 & peer=$!
until ip -n A addr show a0 | grep -q 10.9.0.100; do sleep 0.1; done
until ip -n A -6 addr show a0 | grep -q fd00::100; do sleep 0.1; done

ip netns exec B "$@" -n -l -D -f $W/dut.conf -p $W/b.pid -r $W/b-vrrp.pid -c $W/b-chk.pid > $W/dut.log 2>&1 &
B="busctl --system"
S=org.keepalived.Vrrp1
I4=/org/keepalived/Vrrp1/Instance/b0/51/IPv4
I6=/org/keepalived/Vrrp1/Instance/b0/52/IPv6
V=/org/keepalived/Vrrp1/Vrrp
state() { $B get-property $S $1 org.keepalived.Vrrp1.Instance State 2>/dev/null || true; }
until [ "$(state $I4)" = '(us) 1 "Backup"' ] && [ "$(state $I6)" = '(us) 1 "Backup"' ]; do sleep 0.1; done

echo "## tree"; $B tree $S
for p in / /org /org/keepalived /org/keepalived/Vrrp1 /org/keepalived/Vrrp1/Instance /org/keepalived/Vrrp1/Instance/b0 \
	/org/keepalived/Vrrp1/Instance/b0/51 $I4 $I6 $V; do
	echo "## introspect $p"
	$B call $S $p org.freedesktop.DBus.Introspectable Introspect | sed 's/<!-- GDBus [0-9.]* -->\\n//'
done
echo "## introspect table"; $B introspect $S $I4; $B introspect $S $V
echo "## properties (BACKUP)"
for p in $I4 $I6; do $B get-property $S $p org.keepalived.Vrrp1.Instance Name State; done
$B call $S $I4 org.freedesktop.DBus.Properties GetAll s org.keepalived.Vrrp1.Instance
$B call $S $V org.freedesktop.DBus.Properties GetAll s org.keepalived.Vrrp1.Vrrp
$B call $S $I4 org.freedesktop.DBus.Properties Get ss org.keepalived.Vrrp1.Instance Nope 2>&1 || true
$B call $S $I4 org.freedesktop.DBus.Properties Get ss org.keepalived.Vrrp1.Vrrp Name 2>&1 || true
$B call $S $I4 org.freedesktop.DBus.Properties Set ssv org.keepalived.Vrrp1.Instance Name s x 2>&1 || true
$B call $S $V org.freedesktop.DBus.Peer Ping && echo ping ok

echo "## peer stops: B takes over"
kill $peer; wait $peer || true
until [ "$(state $I4)" = '(us) 2 "Master"' ] && [ "$(state $I6)" = '(us) 2 "Master"' ]; do sleep 0.1; done
for p in $I4 $I6; do $B get-property $S $p org.keepalived.Vrrp1.Instance State; done

# keepalived-go's control socket (keepalivectl status) shows the bus
# connection; on stderr, outside the transcript keepalived has no part in.
if [ -S $W/b.sock ]; then
	echo "links: $(curl -s --unix-socket $W/b.sock http://keepalived/v1/status | tr -d ' \n' | grep -o '"links":[^]]*]')" >&2
fi

echo "## SendGarp (MASTER): what A sees on the wire"
# dut.conf has vrrp_garp_master_delay 0: no delayed burst after the takeover.
sleep 1
ip netns exec A tcpdump -n -l --immediate-mode -i a0 'arp or (icmp6 and ip6[40] == 136)' > $W/garp 2> $W/garp.err & td=$!
until grep -q listening $W/garp.err 2>/dev/null; do sleep 0.1; done
$B call $S $I4 org.keepalived.Vrrp1.Instance SendGarp && echo "SendGarp IPv4 answered"
$B call $S $I6 org.keepalived.Vrrp1.Instance SendGarp && echo "SendGarp IPv6 answered"
sleep 1
kill $td; wait $td 2>/dev/null || true
sed 's/^[0-9:.]* //; s/, length [0-9]*$//' $W/garp | sort | uniq -c

echo "## methods"
$B call $S $V org.keepalived.Vrrp1.Vrrp PrintData && test -s /tmp/keepalived.data && echo "PrintData wrote /tmp/keepalived.data"
$B call $S $V org.keepalived.Vrrp1.Vrrp PrintStats && test -s /tmp/keepalived.stats && echo "PrintStats wrote /tmp/keepalived.stats"
$B call $S $V org.keepalived.Vrrp1.Vrrp ReloadConfig && echo "ReloadConfig answered"
until grep -q VrrpReloaded $W/monitor; do sleep 0.1; done
echo "VrrpReloaded seen"

# The peer comes back and preempts: B stops as BACKUP. (Stopping it as
# MASTER would also do, but keepalived-go's stop can then deadlock on the
# VIP removal it sees through its own netlink watcher, a daemon bug this
# test is not about.)
echo "## peer returns: B back to BACKUP"
ip netns exec A /usr/sbin/keepalived -n -l -f $W/peer.conf -p $W/a.pid -r $W/a-vrrp.pid -c $W/a-chk.pid >> $W/peer.log 2>&1 & peer=$!
until [ "$(state $I4)" = '(us) 1 "Backup"' ] && [ "$(state $I6)" = '(us) 1 "Backup"' ]; do sleep 0.1; done
for p in $I4 $I6; do $B get-property $S $p org.keepalived.Vrrp1.Instance State; done

dut=$(cat $W/b.pid) # keepalived removes it as it stops
kill $dut
while [ -e /proc/$dut ]; do sleep 0.1; done
until grep -q VrrpStopped $W/monitor; do sleep 0.1; done
kill $mon $bus $peer; wait $mon $bus $peer 2>/dev/null || true

echo "## signals"
awk '
/Type=signal/ { s = 1; line = ""; next }
s && /Member=/ {
	if ($0 !~ /Path=\/org\/keepalived/) { s = 0; next }
	match($0, /Path=[^ ]*/); p = substr($0, RSTART, RLENGTH)
	match($0, /Member=[^ ]*/); line = p " " substr($0, RSTART, RLENGTH); next
}
s && /UINT32/ { line = line " " $2 }
s && /^$/ { print line; s = 0 }' $W/monitor
echo "## log" >&2
cat $W/dut.log >&2
