#!/usr/bin/env bash
# Runs the project's checks and tests on a fresh Debian machine: it starts
# what the tests need, then vet and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"

echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 ./...
