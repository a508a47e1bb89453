#!/bin/sh
# ipvlan-vm.sh runs use_ipvlan side by side in the qemu VM (the lab host's
# kernel has no ipvlan): keepalived 2.2.7, then keepalived-go, on one veth,
# each with two ipvlan instances (a named one with a /24 and vepa, an unnamed
# one, vrrp.253, private). It compares the ipvlan links (ip -d link), the
# addresses, disable_ipv6, the ipvlan lines of keepalived.data, the
# instances' log lines and that the links are gone after SIGTERM; it prints
# "ipvlan-vm: same" or the differences (exit 1).
#
# "ipvlan-vm.sh reload" also reloads, after the start, a file where the named
# ipvlan has another address and mode (1.2.3.5/24 bridge), and compares what
# is there after the reload. The data file's "IPVLAN type" line and the
# links' is_up are left out then: keepalived's still show the link as it was
# before the reload (docs/compat.md, a reload that changes an instance's
# link).
#
# The kernel keeps an ipvlan's mode per parent, not per link: both links show
# the last one's "l2 private", under either daemon.
set -eu
cd "$(dirname "$0")/.."
payload=$(mktemp -d "${TMPDIR:-/tmp}/ipvlan-vm.XXXXXX")
trap 'rm -rf "$payload"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$payload/keepalived-go" ./cmd/keepalived
cat >"$payload/side.sh" <<'EOF'
#!/bin/sh
mode=${1:-start}
cat >/tmp/ipvlan.conf <<'C'
vrrp_instance VI_2 {
  interface va
  state BACKUP
  virtual_router_id 252
  priority 100
  advert_int 1
  use_ipvlan ipvl2 1.2.3.4/24 vepa
  virtual_ipaddress {
    10.2.1.100/32
  }
}
vrrp_instance VI_3 {
  interface va
  state BACKUP
  virtual_router_id 253
  priority 100
  advert_int 1
  use_ipvlan 5.6.7.8 private
  virtual_ipaddress {
    10.2.1.101/32
  }
}
C
ip link add va type veth peer name vb
ip link set va up
ip link set vb up
ip addr add 10.9.0.1/24 dev va
for d in keepalived ./keepalived-go; do
	out=/tmp/out.${d##*/}
	rm -f /tmp/keepalived.data
	$d -n -l -D -P -f /tmp/ipvlan.conf >/tmp/log 2>&1 &
	pid=$!
	sleep 6
	if [ "$mode" = reload ]; then
		sed -i -e 's#use_ipvlan ipvl2 1.2.3.4/24 vepa#use_ipvlan ipvl2 1.2.3.5/24 bridge#' /tmp/ipvlan.conf
		kill -HUP $pid
		sleep 4
	fi
	kill -USR1 $pid
	sleep 1
	{
		echo "--- ip -d link"
		ip -d link show type ipvlan | sed -e 's/^[0-9]*: //' -e 's/link\/ether [0-9a-f:]*/link\/ether MAC/'
		echo "--- addresses"
		ip -br -4 addr show
		for n in ipvl2 vrrp.253; do echo "$n disable_ipv6=$(cat /proc/sys/net/ipv6/conf/$n/disable_ipv6)"; done
		echo "--- keepalived.data"
		if [ "$mode" = reload ]; then
			grep -E 'Use IPVLAN|ipvlan on|I/f created' /tmp/keepalived.data | sed -e 's/is_up = [a-z]*, //'
		else
			grep -E 'Use IPVLAN|ipvlan on|IPVLAN type|I/f created' /tmp/keepalived.data
		fi
	} >"$out"
	kill -TERM $pid
	sleep 3
	sed -i -e 's#use_ipvlan ipvl2 1.2.3.5/24 bridge#use_ipvlan ipvl2 1.2.3.4/24 vepa#' /tmp/ipvlan.conf
	{
		echo "--- after stop"
		ip -br link show type ipvlan
		echo "--- log"
		sed -e 's/^[A-Za-z_]*\[[0-9]*\]: //' -e 's/^... ... .. ..:..:.. ....: //' /tmp/log | grep '^(VI_' | sort -u
	} >>"$out"
done
cat /tmp/out.keepalived
if diff -u /tmp/out.keepalived /tmp/out.keepalived-go; then echo "ipvlan-vm $mode: same"; else exit 1; fi
EOF
VM_TIMEOUT=180 tools/vm/run-in-vm.sh "$payload" -- sh ./side.sh "${1:-start}"
