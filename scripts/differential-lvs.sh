#!/bin/sh
# differential-lvs.sh runs the LVS runtime differential (issue 11) in one
# qemu VM (tools/vm/run-in-vm.sh; the host kernel has no IPVS): keepalived
# 2.2.7 and keepalived-go side by side on each LVS configuration, compared
# on ipvsadm -Sn, checker log lines, the notify trail, keepalived_check.data
# and the exit code (differential/lvs_vm_test.go).
#
#   scripts/differential-lvs.sh          the CI subset (make vmtest)
#   scripts/differential-lvs.sh all      every LVS file (make differential-lvs)
#   scripts/differential-lvs.sh corpus/012-ka-sample-quorum.conf,...
#
# The table goes to $DIFFERENTIAL_LVS_REPORT (default
# /tmp/keepalived-lvs-differential.txt). The corpus is ../shared beside the
# repository; without it only differential/testdata/lvs runs.
set -eu
cd "$(dirname "$0")/.."
which=${1:-}
payload=$(mktemp -d "${TMPDIR:-/tmp}/lvsdiff-payload.XXXXXX")
trap 'rm -rf "$payload"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$payload/keepalived-go" ./cmd/keepalived
CGO_ENABLED=0 go test -c -tags vmtest -o "$payload/differential.test" ./differential
cp -a differential/testdata "$payload/"
corpus=../shared/corpus/keepalived
if [ -d "$corpus" ]; then
	mkdir "$payload/corpus"
	grep -l -E '^[[:space:]]*(@[^[:space:]]+[[:space:]]+)?virtual_server' "$corpus"/*.conf |
		xargs -r cp -t "$payload/corpus/"
fi
report=${DIFFERENTIAL_LVS_REPORT:-/tmp/keepalived-lvs-differential.txt}
# A selection gets 4 minutes of VM time per file (TCG; a file's three
# phases last up to 80 s each), at least 15.
timeout=900
case $which in
all) timeout=7200 ;;
*,*) n=$(echo "$which" | tr ',' '\n' | wc -l); [ $((n * 240)) -gt $timeout ] && timeout=$((n * 240)) ;;
esac
{
	st=0
	VM_TIMEOUT=$timeout tools/vm/run-in-vm.sh "$payload" -- \
		env DIFFERENTIAL_LVS="$which" LVSDIFF_GO=/payload/keepalived-go \
		./differential.test -test.run '^TestLVSDifferential$' -test.v -test.timeout "${timeout}s" || st=$?
	echo "$st" >"$payload/rc"
} 2>&1 | tee "$payload/console"
rc=$(cat "$payload/rc")
sed -n '/^@@lvs-report-begin@@$/,/^@@lvs-report-end@@$/p' "$payload/console" | sed '1d;$d' >"$report"
echo "differential-lvs: report in $report"
exit "$rc"
