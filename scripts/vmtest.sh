#!/bin/sh
# Runs every package that has `//go:build vmtest` tests inside a qemu VM booted
# from a Debian kernel (tools/vm/run-in-vm.sh): one VM per package.
set -eu
cd "$(dirname "$0")/.."
# differential's VM test needs keepalived-go and the corpus beside it in the
# VM: scripts/differential-lvs.sh runs it (the CI subset) below.
pkgs=$(grep -rl --include='*_test.go' '^//go:build.*vmtest' . | xargs -r -n1 dirname | sort -u | grep -v '^\./differential$')
if [ -z "$pkgs" ]; then
	echo "vmtest: no packages with vmtest tests"
	exit 0
fi
# shellcheck disable=SC2086
CGO_ENABLED=0 go test -count=1 -p 2 -timeout 25m -tags vmtest \
	-exec "$PWD/tools/vm/run-in-vm.sh" $pkgs
# The LVS runtime differential's CI subset (about 3.5 minutes in one VM).
./scripts/differential-lvs.sh
