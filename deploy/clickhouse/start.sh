#!/usr/bin/env bash
# Starts a project-local ClickHouse for tests and the local run: Debian's
# clickhouse-server (installed with apt-get if missing), data under STATE
# (default .local/clickhouse in the checkout), listening on 127.0.0.1 only.
# Safe to run again: a server already answering on the port is left alone.
# Prints nothing but progress; waits (bounded) until the server answers.
#
# With CLICKHOUSE_TEST_CLUSTER=1 (the test script sets it) the server also
# defines a cluster "ledger_test" (one shard, one replica: itself), the
# macros {shard} and {replica}, and a ZooKeeper (Debian's package, data
# under STATE/zookeeper) for ON CLUSTER DDL and replicated tables, so the
# cluster variant of the read models is tested on one machine. The local
# run needs none of it and starts no Java process.
#
# With CLICKHOUSE_FLAVOUR=modern it starts ClickHouse 26.7 instead
# (deploy/clickhouse/modern.sh: fetched from npm, checked, cached).
#
#   deploy/clickhouse/start.sh [STATE]      env: CLICKHOUSE_FLAVOUR (debian), CLICKHOUSE_TCP_PORT (9000), CLICKHOUSE_HTTP_PORT (8123),
#                                                CLICKHOUSE_INTERSERVER_PORT (9009), ZOOKEEPER_PORT (2181),
#                                                CLICKHOUSE_TEST_CLUSTER (0)
set -euo pipefail
cd "$(dirname "$0")/../.."
state="${1:-.local/clickhouse}"
tcp="${CLICKHOUSE_TCP_PORT:-9000}"
http="${CLICKHOUSE_HTTP_PORT:-8123}"
zk="${ZOOKEEPER_PORT:-2181}"
interserver="${CLICKHOUSE_INTERSERVER_PORT:-9009}"
cluster="${CLICKHOUSE_TEST_CLUSTER:-0}"
flavour="${CLICKHOUSE_FLAVOUR:-debian}"

case "$flavour" in
  debian) ;;
  modern)
    # ClickHouse 26.7 from npm's @chdb/lib-linux-x64-gnu, run by the
    # project's launcher; no clusters there, so CLICKHOUSE_TEST_CLUSTER
    # does not apply.
    exec bash deploy/clickhouse/modern.sh "${1:-.local/clickhouse-modern}" ;;
  *)
    echo "CLICKHOUSE_FLAVOUR=$flavour: want debian (Debian's clickhouse-server, the default) or modern (ClickHouse 26.7 from libchdb)" >&2
    exit 2 ;;
esac

missing=()
command -v clickhouse-server >/dev/null || missing+=(clickhouse-server)
command -v clickhouse-client >/dev/null || missing+=(clickhouse-client)
if [ "$cluster" = 1 ]; then
  [ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian's ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing and this is not root: run 'sudo apt-get install ${missing[*]}'" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ready() { clickhouse-client --host 127.0.0.1 --port "$tcp" --query "SELECT 1" >/dev/null 2>&1; }
if ready; then
  echo "ClickHouse already answers on 127.0.0.1:$tcp" >&2
  exit 0
fi

mkdir -p "$state"/{data,tmp,user_files,format_schemas,log,config.d,zookeeper/data}
state="$(cd "$state" && pwd)"

# ZooKeeper, standalone on loopback: a few seconds to start, about 100 MB.
# "ruok" answers before the server takes sessions; "srvr" names its mode only then.
zk_ok() { exec 3<>"/dev/tcp/127.0.0.1/$zk" && printf srvr >&3 && grep -q '^Mode:' <&3; } 2>/dev/null
if [ "$cluster" = 1 ] && ! zk_ok; then
  cat >"$state/zookeeper/zoo.cfg" <<CFG
tickTime=2000
dataDir=$state/zookeeper/data
clientPort=$zk
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
CFG
  echo "starting ZooKeeper on 127.0.0.1:$zk" >&2
  nohup java -Xmx256m -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.ZooKeeperServerMain "$state/zookeeper/zoo.cfg" >"$state/log/zookeeper.log" 2>&1 &
  echo $! >"$state/zookeeper.pid"
  for _ in $(seq 1 60); do
    zk_ok && break
    sleep 0.5
  done
  zk_ok || { echo "ZooKeeper did not answer within 30 s; its log:" >&2; tail -n 20 "$state/log/zookeeper.log" >&2; exit 1; }
fi

# The test cluster: the server is its own only shard and replica.
rm -f "$state/config.d/cluster.xml"
if [ "$cluster" = 1 ]; then
  cat >"$state/config.d/cluster.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <remote_servers>
        <ledger_test>
            <shard><internal_replication>true</internal_replication>
                <replica><host>127.0.0.1</host><port>$tcp</port></replica>
            </shard>
        </ledger_test>
    </remote_servers>
    <macros><shard>01</shard><replica>127.0.0.1:$tcp</replica></macros>
    <zookeeper><node><host>127.0.0.1</host><port>$zk</port></node></zookeeper>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
    <!-- replicated tables need it, even to rename one -->
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <interserver_http_port>$interserver</interserver_http_port>
</yandex>
XML
fi
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
