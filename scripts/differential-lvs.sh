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
# LVSDIFF_PARALLEL=N runs N files at once in the VM (default 1): a file's
# time is mostly its phases' waiting (12-80 s each, three of them), not
# CPU, and the VM boots in seconds, so sharing one boot is not enough to
# make the whole corpus short; N files at once are.
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
par=${LVSDIFF_PARALLEL:-1}
case $par in '' | *[!0-9]* | 0) echo "LVSDIFF_PARALLEL: not a count: $par" >&2; exit 2 ;; esac
timeout=900
case $which in
all) timeout=$((7200 / par + 900)) ;;
*,*) n=$(echo "$which" | tr ',' '\n' | wc -l); [ $((n * 240 / par + 300)) -gt $timeout ] && timeout=$((n * 240 / par + 300)) ;;
esac
parenv=
[ "$par" -gt 1 ] && parenv=LVSDIFF_PARALLEL=$par
{
	st=0
	VM_TIMEOUT=$timeout tools/vm/run-in-vm.sh "$payload" -- \
		env DIFFERENTIAL_LVS="$which" LVSDIFF_GO=/payload/keepalived-go $parenv \
		./differential.test -test.run '^TestLVSDifferential$' -test.v -test.timeout "${timeout}s" \
		-test.parallel "$par" || st=$?
	echo "$st" >"$payload/rc"
} 2>&1 | tee "$payload/console"
rc=$(cat "$payload/rc")
sed -n '/^@@lvs-report-begin@@$/,/^@@lvs-report-end@@$/p' "$payload/console" | sed '1d;$d' >"$report"
echo "differential-lvs: report in $report"
exit "$rc"
