#!/usr/bin/env bash
# Runs the project's checks and tests on a fresh Debian machine: shellcheck
# over every shell script (installing Debian's package if missing), starts a
# project-local ClickHouse (installing Debian's package if missing; data
# under .local/, loopback only), then vet and the whole test suite, which
# includes the checks of the deployment files (go test ./deploy).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"

echo "== shellcheck"
if ! command -v shellcheck >/dev/null; then
  echo "installing Debian's shellcheck" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq shellcheck >/dev/null
fi
git ls-files -z -- '*.sh' .ci/run | xargs -0 shellcheck

echo "== ClickHouse"
CLICKHOUSE_TEST_CLUSTER=1 bash deploy/clickhouse/start.sh .local/clickhouse
tcp="${CLICKHOUSE_TCP_PORT:-9000}"
export LEDGER_TEST_CLICKHOUSE="${LEDGER_TEST_CLICKHOUSE:-clickhouse://127.0.0.1:$tcp}"
# A server start.sh started here has the test cluster, and its test must
# run (as in CI). One already running without it (the local run starts
# none) lets the test skip, and says how to run it.
clusters="$(clickhouse-client --host 127.0.0.1 --port "$tcp" --query "SELECT count() FROM system.clusters WHERE cluster = 'ledger_test'")"
if [ "$clusters" = 0 ]; then
  echo "note: the ClickHouse on :$tcp has no test cluster (started by deploy/local/run.sh?); the cluster test will skip." >&2
  echo "      Stop it (bash deploy/clickhouse/stop.sh) and run this again to run every test." >&2
  export LEDGER_TEST_CLUSTER="${LEDGER_TEST_CLUSTER:-0}"
else
  export LEDGER_TEST_CLUSTER="${LEDGER_TEST_CLUSTER:-1}"
fi

echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 ./...

# Every fuzz target runs for real, for a bounded number of inputs each
# (FUZZTIME, default 40000x: about 15 s here): go runs one target per
# invocation, so each is found by name and run in its own package. A count,
# not a duration: with a duration, go 1.26's fuzz coordinator can report
# "context deadline exceeded" as a failure when time runs out mid-input
# (golang/go#75804, fixed in 1.27), with no failing input at all. A real
# failure fails the script and leaves the input under testdata/fuzz.
echo "== go test -fuzz (${FUZZTIME:-40000x} each)"
git grep -l -E '^func Fuzz[A-Za-z0-9_]*\(' -- '*_test.go' | while read -r file; do
  pkg="./$(dirname "$file")"
  grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2 | while read -r target; do
    echo "-- $target ($pkg)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-40000x}" -parallel 2 "$pkg"
  done
done
