#!/usr/bin/env bash
# bench-vrrp.sh - VRRP performance of keepalived-go next to keepalived 2.2.7.
#
# Runs vrrplab's TestPerf: the same configurations on both daemons, in two
# network-namespace labs at once (same machine load), and prints Markdown
# tables with ratios keepalived-go / keepalived:
#   - failover after kill -9 of the master: VRRPv2 advert_int 1, VRRPv3
#     advert_int 0.1 and 0.05 (time to the new master's first advert on the
#     wire, the detection time from the old master's last advert, and the
#     time from the first advert to the first gratuitous ARP)
#   - CPU and RSS with 255 instances at advert_int 1, MASTER and BACKUP host
# Takes about 4 minutes with the defaults.
#
# Usage: sudo scripts/bench-vrrp.sh [REPORT.md]
# Environment: VRRPLAB_PERF_N (failovers per configuration, default 5),
#              VRRPLAB_PERF_WINDOW (CPU window in s, default 30),
#              KEEPALIVED_GO (binary to measure; default: built from this tree),
#              KEEPALIVED_C (default /usr/sbin/keepalived).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "bench-vrrp: needs root (network namespaces)" >&2; exit 1; }
KA=${KEEPALIVED_C:-/usr/sbin/keepalived}
[[ -x $KA ]] || { echo "bench-vrrp: $KA missing (apt-get install keepalived)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z ${KEEPALIVED_GO:-} ]]; then
	CGO_ENABLED=0 go build -trimpath -o "$tmp/keepalived" ./cmd/keepalived
	KEEPALIVED_GO=$tmp/keepalived
fi
out=${1:-$tmp/report.md}
echo "measuring $KEEPALIVED_GO against $KA ($("$KA" --version 2>&1 | head -1)); this takes a few minutes" >&2
if ! KEEPALIVED_GO=$KEEPALIVED_GO KEEPALIVED_C=$KA VRRPLAB_PERF=1 VRRPLAB_PERF_OUT=$out \
	go test -count=1 -timeout 30m -run '^TestPerf$' -v ./internal/vrrplab/ >"$tmp/log" 2>&1; then
	tail -n 100 "$tmp/log" >&2
	exit 1
fi
echo "# VRRP benchmark $(date -u '+%F %H:%M UTC'), $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$out"
