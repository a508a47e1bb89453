#!/bin/sh
# Installs what keepalived-go's tests need on a Debian 12 machine. Idempotent.
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1; }
have keepalived || need="$need keepalived"          # interop peer, differential -t
have qemu-system-x86_64 || need="$need qemu-system-x86"  # real kernel for IPVS/VLAN/bonding
have ip || need="$need iproute2"
have ping || need="$need iputils-ping"
have arping || need="$need iputils-arping"
have tcpdump || need="$need tcpdump"
have xz || need="$need xz-utils"
have flock || need="$need util-linux"
have dpkg-deb || need="$need dpkg"
have nft || need="$need nftables"                # vrrp_strict rules read back by tests
have busybox || need="$need busybox"           # init script under busybox ash
have promtool || need="$need prometheus"       # alert rules (promtool), dashboard queries
have chromium || need="$need chromium"         # status page in a headless browser
have openssl || need="$need openssl"           # encrypted SSL keys written by OpenSSL (check/tlskey)
[ -x /usr/lib/frr/bfdd ] && [ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/zebra ] && have vtysh || need="$need frr"  # BFD interop peer (bfdd); BGP upstream router (bgpd, zebra)
have snmpd || need="$need snmpd"               # AgentX master for the SNMP differential
have snmpwalk || need="$need snmp"             # snmpwalk reads what both daemons serve
have snmptrapd || need="$need snmptrapd"       # receives the traps both daemons send
have dbus-daemon || need="$need dbus-daemon"   # private system bus for the D-Bus differential
[ -f /usr/share/dbus-1/system.conf ] || need="$need dbus-system-bus-common"  # its system.conf
have busctl || need="$need systemd"            # busctl: introspect, get-property, call, monitor

if [ -n "$need" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing$need; run as root (sudo make ...)" >&2
		exit 1
	fi
	echo "deps: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need
fi

go mod download
gobin=$(go env GOPATH)/bin
if [ ! -x "$gobin/staticcheck" ]; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
