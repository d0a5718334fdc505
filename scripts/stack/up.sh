#!/usr/bin/env bash
# Starts the test stack in the background: one KRaft Kafka broker (Maven Central jars, the machine's
# Java 17) and one redis-server, both on 127.0.0.1, state under .stack/ (git-ignored).
# Prints the environment lines that point musicflow at them on stdout; everything else goes to stderr.
# Running it again while the stack is up prints the same lines. Stop it with scripts/stack/down.sh
# (which leaves it running while another process that called up.sh is still alive).
#
# Overrides: MUSICFLOW_STACK_KAFKA_PORT (19092), MUSICFLOW_STACK_CONTROLLER_PORT (19093),
# MUSICFLOW_STACK_REDIS_PORT (16379), MUSICFLOW_STACK_DIR (<repo>/.stack),
# MUSICFLOW_CACHE_DIR (~/.cache/musicflow: downloaded Kafka jars), MUSICFLOW_STACK_KAFKA_HEAP (512m).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

say() { printf 'stack: %s\n' "$*" >&2; }
fail() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$STACK_DIR"
# Several test runs may call up.sh at once: one at a time decides what to start. The servers must not
# inherit the lock (fd 9) or the next up.sh would wait for them forever.
exec 9>"$STACK_DIR/.lock"
flock 9

# ---------------------------------------------------------------- what the machine needs

apt_updated=0
apt_install() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    return 1
  fi
  if [[ $apt_updated -eq 0 ]]; then
    say "apt-get update"
    apt-get update -qq >&2 || return 1
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt_install redis-server ||
    fail "redis-server is missing and could not be installed: run 'sudo apt-get install redis-server' (Debian) and retry"
fi
if ! command -v kcat >/dev/null; then
  # Only the benchmark uses kcat (the producer ceiling); the stack runs without it.
  apt_install kcat || say "warning: kcat is missing (install it with 'apt-get install kcat' for the benchmark)"
fi

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

kafka_libs="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
need_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless || true
  command -v java >/dev/null ||
    fail "Java 17 or newer is needed for the Kafka broker: install it (Debian: apt-get install openjdk-17-jre-headless) and retry"
  local major
  major=$(java_major)
  [[ -n $major && $major -ge 17 ]] ||
    fail "Kafka $KAFKA_VERSION needs Java 17 or newer, found '$(java -version 2>&1 | head -n 1)': install openjdk-17-jre-headless"
}

resolve_kafka() {
  [[ -f "$kafka_libs/.complete" ]] && return 0
  command -v mvn >/dev/null || apt_install maven || true
  command -v mvn >/dev/null ||
    fail "Maven is needed once to download Kafka $KAFKA_VERSION from Maven Central: install it (Debian: apt-get install maven) and retry"
  say "resolving Kafka $KAFKA_VERSION from Maven Central into $kafka_libs"
  rm -rf "$kafka_libs"
  mkdir -p "$kafka_libs"
  if ! mvn -B -q -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$kafka_libs" >"$STACK_DIR/mvn.log" 2>&1; then
    tail -n 30 "$STACK_DIR/mvn.log" >&2
    fail "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full log: $STACK_DIR/mvn.log)"
  fi
  touch "$kafka_libs/.complete"
}

# ---------------------------------------------------------------- helpers

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_STATE/kafka.log" 2>/dev/null
}

wait_until() { # seconds, label, check command...
  local seconds=$1 label=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- redis

start_redis() {
  if alive "$REDIS_STATE/redis.pid" && redis_ready; then return 0; fi
  if port_open "$REDIS_PORT"; then
    fail "port $REDIS_PORT is taken by another program: set MUSICFLOW_STACK_REDIS_PORT to a free port"
  fi
  mkdir -p "$REDIS_STATE"
  say "starting redis-server on 127.0.0.1:$REDIS_PORT"
  # Append-only file inside .stack/ so a restarted redis keeps what the pipeline wrote.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_STATE" \
    --daemonize yes --pidfile "$REDIS_STATE/redis.pid" --logfile "$REDIS_STATE/redis.log" \
    --save '' --appendonly yes --appendfsync everysec >&2 9>&-
  wait_until 20 redis redis_ready ||
    fail "redis-server did not answer on 127.0.0.1:$REDIS_PORT within 20 s (log: $REDIS_STATE/redis.log)"
}

# ---------------------------------------------------------------- kafka

write_kafka_properties() {
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Single-node KRaft broker for musicflow's tests; written by scripts/stack/up.sh.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_STATE/data
# Topics come from musicflow (with --partitions), never from a typo.
auto.create.topics.enable=false
num.partitions=3
# One node: every internal topic has one replica; few partitions keep the first group start quick.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=3000
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
}

start_kafka() {
  if alive "$KAFKA_STATE/kafka.pid" && kafka_ready; then return 0; fi
  if alive "$KAFKA_STATE/kafka.pid"; then
    say "waiting for the Kafka broker that is starting (pid $(cat "$KAFKA_STATE/kafka.pid"))"
  else
    for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
      if port_open "$port"; then
        fail "port $port is taken by another program: set MUSICFLOW_STACK_KAFKA_PORT / MUSICFLOW_STACK_CONTROLLER_PORT to free ports"
      fi
    done
    need_java
    resolve_kafka
    mkdir -p "$KAFKA_STATE"
    write_kafka_properties
    local classpath="$kafka_libs/*"
    local jvm=(java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
      -Djava.awt.headless=true "-Dlog4j2.configurationFile=$here/kafka/log4j2.properties" -cp "$classpath")
    if [[ ! -f "$KAFKA_STATE/data/meta.properties" ]]; then
      # A fresh cluster id each time the data folder is created.
      local cluster_id
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
      say "formatting Kafka storage (cluster $cluster_id)"
      "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_STATE/server.properties" \
        >"$KAFKA_STATE/format.log" 2>&1 ||
        { cat "$KAFKA_STATE/format.log" >&2; fail "could not format Kafka storage in $KAFKA_STATE/data"; }
    fi
    say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller :$CONTROLLER_PORT, heap $KAFKA_HEAP)"
    : >"$KAFKA_STATE/kafka.log"
    setsid nohup "${jvm[@]}" kafka.Kafka "$KAFKA_STATE/server.properties" \
      >>"$KAFKA_STATE/kafka.log" 2>&1 </dev/null 9>&- &
    echo $! >"$KAFKA_STATE/kafka.pid"
  fi
  if ! wait_until 90 kafka kafka_ready; then
    tail -n 30 "$KAFKA_STATE/kafka.log" >&2
    fail "Kafka did not start within 90 s (log: $KAFKA_STATE/kafka.log)"
  fi
}

started=$SECONDS
start_redis
start_kafka
# The caller holds the stack until it calls down.sh: a test run's down.sh then leaves alone a stack
# that another, still running, test run also asked for.
echo "$PPID" >>"$STACK_DIR/users"
printf 'MUSICFLOW_KAFKA_BROKERS=127.0.0.1:%s\nMUSICFLOW_REDIS_URL=redis://127.0.0.1:%s\n' "$KAFKA_PORT" "$REDIS_PORT" |
  tee "$STACK_DIR/env"
say "up in $((SECONDS - started)) s; stop with: npm run stack:down"
