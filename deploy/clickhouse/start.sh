#!/usr/bin/env bash
# Starts a project-local ClickHouse for tests and the local run: Debian's
# clickhouse-server (installed with apt-get if missing), data under STATE
# (default .local/clickhouse in the checkout), listening on 127.0.0.1 only.
# Safe to run again: a server already answering on the port is left alone.
# Prints nothing but progress; waits (bounded) until the server answers.
#
#   deploy/clickhouse/start.sh [STATE]      env: CLICKHOUSE_TCP_PORT (9000), CLICKHOUSE_HTTP_PORT (8123)
set -euo pipefail
cd "$(dirname "$0")/../.."
state="${1:-.local/clickhouse}"
tcp="${CLICKHOUSE_TCP_PORT:-9000}"
http="${CLICKHOUSE_HTTP_PORT:-8123}"

if ! command -v clickhouse-server >/dev/null || ! command -v clickhouse-client >/dev/null; then
  echo "installing Debian's clickhouse-server and clickhouse-client" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "ClickHouse is missing and this is not root: run 'sudo apt-get install clickhouse-server clickhouse-client'" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
fi

ready() { clickhouse-client --host 127.0.0.1 --port "$tcp" --query "SELECT 1" >/dev/null 2>&1; }
if ready; then
  echo "ClickHouse already answers on 127.0.0.1:$tcp" >&2
  exit 0
fi

mkdir -p "$state"/{data,tmp,user_files,format_schemas,log}
state="$(cd "$state" && pwd)"
cat >"$state/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$state/log/server.log</log>
        <errorlog>$state/log/error.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$tcp</tcp_port>
    <http_port>$http</http_port>
    <path>$state/data/</path>
    <tmp_path>$state/tmp/</tmp_path>
    <user_files_path>$state/user_files/</user_files_path>
    <format_schema_path>$state/format_schemas/</format_schema_path>
    <users_config>$state/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
</yandex>
XML
cat >"$state/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
XML

echo "starting ClickHouse on 127.0.0.1:$tcp (data in $state)" >&2
nohup clickhouse-server --config-file="$state/config.xml" >"$state/log/stdout.log" 2>&1 &
echo $! >"$state/server.pid"
for _ in $(seq 1 120); do
  if ready; then
    echo "ClickHouse is ready" >&2
    exit 0
  fi
  if ! kill -0 "$(cat "$state/server.pid")" 2>/dev/null; then
    echo "ClickHouse exited; its log:" >&2
    tail -n 30 "$state/log/error.log" "$state/log/stdout.log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "ClickHouse did not answer within 60 s" >&2
exit 1
