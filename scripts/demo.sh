#!/bin/sh
# Live demo on the embedded default configuration (filled in as engines land).
set -eu
cd "$(dirname "$0")/.."
./bin/keepalived --version
