#!/bin/sh
# Runs cmd/keepalived's SNMP checker differential (TestSNMPCheckerDifferential)
# in the qemu VM, where IPVS is: keepalived 2.2.7 and keepalived-go side by
# side, each under net-snmp's snmpd. The VM image has no net-snmp, so this
# carries the host's snmpd, snmpwalk, snmpset and snmptrapd with the
# libraries they load in the payload. Needs: apt-get install snmpd snmp snmptrapd.
set -eu
cd "$(dirname "$0")/.."
for p in snmpd snmpwalk snmpget snmpset snmptrapd; do
	command -v "$p" >/dev/null || { echo "vm-snmp: needs $p (apt-get install snmpd snmp snmptrapd)" >&2; exit 1; }
done
payload=$(mktemp -d "${TMPDIR:-/tmp}/vm-snmp.XXXXXX")
trap 'rm -rf "$payload"' EXIT
mkdir -p "$payload/lib"
for p in snmpd snmpwalk snmpget snmpset snmptrapd; do
	bin=$(command -v "$p")
	cp "$bin" "$payload/"
	ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do cp -n "$lib" "$payload/lib/"; done
done
CGO_ENABLED=0 go test -c -tags vmtest -o "$payload/keepalived.test" ./cmd/keepalived
run=${1:-TestSNMPCheckerDifferential}
exec tools/vm/run-in-vm.sh "$payload" -- sh -c \
	"LD_LIBRARY_PATH=/payload/lib ./keepalived.test -test.v -test.count=1 -test.run '$run'"
