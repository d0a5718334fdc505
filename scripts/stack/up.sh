#!/usr/bin/env bash
# Starts the test stack in the background: one KRaft Kafka broker (Maven Central jars, the machine's
# Java 17), one redis-server and one Elasticsearch node (Maven Central jars started by our own launcher class,
# scripts/stack/elasticsearch/src), all on 127.0.0.1, state under .stack/ (git-ignored).
# The broker listens in clear (PLAINTEXT) and, for the security tests, with SASL (PLAIN, SCRAM-SHA-256,
# SCRAM-SHA-512; user `musicflow`, a password made with each new data folder), with TLS (a test CA made
# once in .stack/tls) and with SASL over TLS.
# Prints the environment lines that point musicflow at them on stdout (MUSICFLOW_KAFKA_BROKERS,
# MUSICFLOW_REDIS_URL and MUSICFLOW_ELASTICSEARCH_URL, then MUSICFLOW_STACK_KAFKA_* facts for the security tests);
# everything else goes to stderr.
# Running it again while the stack is up prints the same lines. Stop it with scripts/stack/down.sh
# (which leaves it running while another process that called up.sh is still alive).
#
# Overrides: MUSICFLOW_STACK_KAFKA_PORT (19092), MUSICFLOW_STACK_CONTROLLER_PORT (19093),
# MUSICFLOW_STACK_REDIS_PORT (16379), MUSICFLOW_STACK_KAFKA_SASL_PORT (19094), MUSICFLOW_STACK_KAFKA_TLS_PORT
# (19095), MUSICFLOW_STACK_KAFKA_SASL_TLS_PORT (19096), MUSICFLOW_STACK_ES_PORT (19200),
# MUSICFLOW_STACK_ES_TRANSPORT_PORT (19300), MUSICFLOW_STACK_DIR (<repo>/.stack), MUSICFLOW_CACHE_DIR
# (~/.cache/musicflow: downloaded Kafka and Elasticsearch jars, the compiled launcher),
# MUSICFLOW_STACK_KAFKA_HEAP (512m), MUSICFLOW_STACK_ES_HEAP (512m).
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

# need_tool COMMAND PACKAGE WHY: installs PACKAGE with apt when COMMAND is missing, else fails saying WHY.
need_tool() {
  command -v "$1" >/dev/null || apt_install "$2" || true
  command -v "$1" >/dev/null || fail "$3: install it (Debian: apt-get install $2) and retry"
}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt_install redis-server ||
    fail "redis-server is missing and could not be installed: run 'sudo apt-get install redis-server' (Debian) and retry"
fi
need_tool curl curl "curl is needed to ask the Elasticsearch node whether it is ready"
if ! command -v kcat >/dev/null; then
  # Only the benchmark uses kcat (the producer ceiling); the stack runs without it.
  apt_install kcat || say "warning: kcat is missing (install it with 'apt-get install kcat' for the benchmark)"
fi

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

kafka_libs="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
need_java() {
  need_tool java openjdk-17-jre-headless "Java 17 or newer is needed for the Kafka broker and the Elasticsearch node"
  local major
  major=$(java_major)
  [[ -n $major && $major -ge 17 ]] ||
    fail "Kafka $KAFKA_VERSION and Elasticsearch $ES_VERSION need Java 17 or newer, found '$(java -version 2>&1 | head -n 1)': install openjdk-17-jre-headless"
}

# resolve_jars LABEL POM LIBS: copies the dependencies of POM (its version pinned there) from Maven Central into
# LIBS, once; .complete marks a copy that finished.
resolve_jars() {
  local label=$1 pom=$2 libs=$3
  [[ -f "$libs/.complete" ]] && return 0
  need_tool mvn maven "Maven is needed once to download $label from Maven Central"
  say "resolving $label from Maven Central into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$libs" >"$STACK_DIR/mvn.log" 2>&1; then
    tail -n 30 "$STACK_DIR/mvn.log" >&2
    fail "Maven could not resolve $label from $pom (full log: $STACK_DIR/mvn.log)"
  fi
  touch "$libs/.complete"
}

es_home=$CACHE_DIR/elasticsearch-$ES_VERSION
es_libs=$es_home/libs

# The launcher uses internal APIs of the pinned version, so it is compiled here against the cached jars, into a
# folder named after its source's hash: an edited launcher is recompiled at the next start, an unchanged one is
# not. Older folders stay (a few KB; another checkout's running node may use one).
es_launcher_source=$here/elasticsearch/src/org/elasticsearch/node/MusicflowTestNode.java
compile_es_launcher() {
  es_launcher=$es_home/launcher-$(sha256sum "$es_launcher_source" | cut -c 1-16)
  [[ -f "$es_launcher/.complete" ]] && return 0
  need_tool javac openjdk-17-jdk-headless "a Java compiler (JDK 17 or newer) is needed to compile the Elasticsearch launcher"
  say "compiling the Elasticsearch launcher into $es_launcher"
  rm -rf "$es_launcher"
  mkdir -p "$es_launcher"
  if ! javac --release 17 -d "$es_launcher" -cp "$es_libs/*" "$es_launcher_source" >"$STACK_DIR/javac.log" 2>&1; then
    cat "$STACK_DIR/javac.log" >&2
    fail "could not compile $es_launcher_source against Elasticsearch $ES_VERSION (log above)"
  fi
  touch "$es_launcher/.complete"
}

# ---------------------------------------------------------------- helpers

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_STATE/kafka.log" 2>/dev/null
}
# Ready once the cluster health says yellow (what a client needs to create and write indices).
es_ready() {
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s"
}
# Ready, or no longer running: either way there is nothing more to wait for.
es_settled() { es_ready || ! alive "$ES_STATE/elasticsearch.pid"; }

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

SASL_USER=musicflow
sasl_password_file=$KAFKA_STATE/sasl-password
secured_listeners="SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$TLS_PORT,SASL_SSL://127.0.0.1:$SASL_TLS_PORT"

# A private CA and the broker's certificate for 127.0.0.1 and localhost, as PEM: the broker reads a PEM key
# store, clients trust ca.pem. openssl makes them in a blink (keytool would start a JVM per step).
make_tls() {
  [[ -s $TLS_STATE/ca.pem && -s $TLS_STATE/broker-keystore.pem ]] && return 0
  need_tool openssl openssl "openssl is needed once to make the test CA of the TLS listener"
  say "making a test CA and the broker's certificate in $TLS_STATE"
  rm -rf "$TLS_STATE"
  mkdir -p "$TLS_STATE"
  chmod 700 "$TLS_STATE"
  local work=$TLS_STATE/.making
  mkdir "$work"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  if ! (
    cd "$work"
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 3650 -subj "/CN=musicflow test stack CA"
    openssl req "${ec[@]}" -keyout broker.key -out broker.csr -subj "/CN=localhost"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" -days 3650 \
      -extfile broker.ext -out broker.crt
    cat broker.key broker.crt >broker-keystore.pem
  ) >"$TLS_STATE/openssl.log" 2>&1; then
    cat "$TLS_STATE/openssl.log" >&2
    fail "openssl could not make the test CA in $TLS_STATE (log above)"
  fi
  # The key store first: ca.pem present means both are.
  mv "$work/broker-keystore.pem" "$TLS_STATE/"
  mv "$work/ca.pem" "$TLS_STATE/"
  rm -rf "$work" "$TLS_STATE/openssl.log"
}

# The SASL password lives beside the data: SCRAM users are written into the data when it is formatted.
make_sasl_password() {
  if [[ -f "$KAFKA_STATE/data/meta.properties" && ! -s $sasl_password_file ]]; then
    say "the Kafka data in $KAFKA_STATE/data predates the SASL test user: formatting it anew"
    rm -rf "$KAFKA_STATE/data"
  fi
  [[ -s $sasl_password_file ]] && return 0
  (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$sasl_password_file")
}

write_kafka_properties() {
  local password jaas=''
  password=$(cat "$sasl_password_file")
  # Every SASL listener needs a login module per mechanism; PLAIN's lists its users, SCRAM's are in the metadata.
  for listener in sasl_plaintext sasl_ssl; do
    jaas+="listener.name.$listener.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER=\"$password\";"$'\n'
    for scram in scram-sha-256 scram-sha-512; do
      jaas+="listener.name.$listener.$scram.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"$'\n'
    done
  done
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Single-node KRaft broker for musicflow's tests; written by scripts/stack/up.sh.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,$secured_listeners
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,$secured_listeners
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
${jaas}ssl.keystore.type=PEM
ssl.keystore.location=$TLS_STATE/broker-keystore.pem
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

# Launching and waiting are apart so that the broker and the Elasticsearch node (a JVM each, seconds to start)
# start side by side.
launch_kafka() {
  if alive "$KAFKA_STATE/kafka.pid" && kafka_ready; then return 0; fi
  if alive "$KAFKA_STATE/kafka.pid"; then
    say "waiting for the Kafka broker that is starting (pid $(cat "$KAFKA_STATE/kafka.pid"))"
  else
    for port in "$KAFKA_PORT" "$CONTROLLER_PORT" "$SASL_PORT" "$TLS_PORT" "$SASL_TLS_PORT"; do
      if port_open "$port"; then
        fail "port $port is taken by another program: set MUSICFLOW_STACK_KAFKA_PORT / _CONTROLLER_PORT / _KAFKA_SASL_PORT / _KAFKA_TLS_PORT / _KAFKA_SASL_TLS_PORT to free ports"
      fi
    done
    need_java
    resolve_jars "Kafka $KAFKA_VERSION" "$here/kafka/pom.xml" "$kafka_libs"
    mkdir -p "$KAFKA_STATE"
    make_tls
    make_sasl_password
    write_kafka_properties
    local classpath="$kafka_libs/*"
    local jvm=(java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
      -Djava.awt.headless=true "-Dlog4j2.configurationFile=$here/kafka/log4j2.properties" -cp "$classpath")
    if [[ ! -f "$KAFKA_STATE/data/meta.properties" ]]; then
      # A fresh cluster id each time the data folder is created.
      local cluster_id
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
      say "formatting Kafka storage (cluster $cluster_id)"
      local scram=() password
      password=$(cat "$sasl_password_file")
      for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
        scram+=(--add-scram "$mechanism=[name=$SASL_USER,password=$password]")
      done
      "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_STATE/server.properties" "${scram[@]}" \
        >"$KAFKA_STATE/format.log" 2>&1 ||
        { cat "$KAFKA_STATE/format.log" >&2; fail "could not format Kafka storage in $KAFKA_STATE/data"; }
    fi
    say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller :$CONTROLLER_PORT, SASL :$SASL_PORT, TLS :$TLS_PORT, SASL+TLS :$SASL_TLS_PORT, heap $KAFKA_HEAP)"
    : >"$KAFKA_STATE/kafka.log"
    setsid nohup "${jvm[@]}" kafka.Kafka "$KAFKA_STATE/server.properties" \
      >>"$KAFKA_STATE/kafka.log" 2>&1 </dev/null 9>&- &
    echo $! >"$KAFKA_STATE/kafka.pid"
  fi
}

await_kafka() {
  if ! wait_until 90 kafka kafka_ready; then
    tail -n 30 "$KAFKA_STATE/kafka.log" >&2
    fail "Kafka did not start within 90 s (log: $KAFKA_STATE/kafka.log)"
  fi
}

# ---------------------------------------------------------------- elasticsearch

launch_elasticsearch() {
  if alive "$ES_STATE/elasticsearch.pid"; then
    es_ready || say "waiting for the Elasticsearch node that is starting (pid $(cat "$ES_STATE/elasticsearch.pid"))"
    return 0
  fi
  for port in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
    if port_open "$port"; then
      fail "port $port is taken by another program: set MUSICFLOW_STACK_ES_PORT / MUSICFLOW_STACK_ES_TRANSPORT_PORT to free ports"
    fi
  done
  need_java
  resolve_jars "Elasticsearch $ES_VERSION" "$here/elasticsearch/pom.xml" "$es_libs"
  compile_es_launcher
  mkdir -p "$ES_STATE/tmp"
  say "starting Elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT (transport :$ES_TRANSPORT_PORT, heap $ES_HEAP)"
  # The system properties are those of the distribution's jvm.options that matter here: log4j must not stop
  # on SIGTERM before the node has closed, and netty runs as Elasticsearch tunes it.
  local jvm=(java -Xms128m "-Xmx$ES_HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dfile.encoding=UTF-8 "-Djava.io.tmpdir=$ES_STATE/tmp"
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0
    -cp "$es_launcher:$es_libs/*")
  : >"$ES_STATE/elasticsearch.log"
  setsid nohup "${jvm[@]}" org.elasticsearch.node.MusicflowTestNode \
    "path.home=$ES_STATE" "path.data=$ES_STATE/data" "path.logs=$ES_STATE/logs" \
    http.host=127.0.0.1 "http.port=$ES_PORT" transport.host=127.0.0.1 "transport.port=$ES_TRANSPORT_PORT" \
    >>"$ES_STATE/elasticsearch.log" 2>&1 </dev/null 9>&- &
  echo $! >"$ES_STATE/elasticsearch.pid"
}

await_elasticsearch() {
  wait_until 90 elasticsearch es_settled || true
  if ! es_ready; then
    tail -n 30 "$ES_STATE/elasticsearch.log" >&2
    if alive "$ES_STATE/elasticsearch.pid"; then
      fail "Elasticsearch did not answer on 127.0.0.1:$ES_PORT within 90 s (log: $ES_STATE/elasticsearch.log)"
    fi
    fail "Elasticsearch exited while starting (log: $ES_STATE/elasticsearch.log)"
  fi
}

started=$SECONDS
start_redis
# Elasticsearch first: it starts the slower, and Kafka's launch waits for the storage format (a JVM run).
launch_elasticsearch
launch_kafka
await_kafka
await_elasticsearch
# The caller holds the stack until it calls down.sh: a test run's down.sh then leaves alone a stack
# that another, still running, test run also asked for.
echo "$PPID" >>"$STACK_DIR/users"
{
  printf 'MUSICFLOW_KAFKA_BROKERS=127.0.0.1:%s\nMUSICFLOW_REDIS_URL=redis://127.0.0.1:%s\n' "$KAFKA_PORT" "$REDIS_PORT"
  printf 'MUSICFLOW_ELASTICSEARCH_URL=http://127.0.0.1:%s\n' "$ES_PORT"
  # A broker started by an older up.sh has no secured listeners: the security tests then skip and say why.
  if grep -qF "$secured_listeners" "$KAFKA_STATE/server.properties" && [[ -s $sasl_password_file && -s $TLS_STATE/ca.pem ]]; then
    printf 'MUSICFLOW_STACK_KAFKA_SASL_BROKERS=127.0.0.1:%s\n' "$SASL_PORT"
    printf 'MUSICFLOW_STACK_KAFKA_TLS_BROKERS=127.0.0.1:%s\n' "$TLS_PORT"
    printf 'MUSICFLOW_STACK_KAFKA_SASL_TLS_BROKERS=127.0.0.1:%s\n' "$SASL_TLS_PORT"
    printf 'MUSICFLOW_STACK_KAFKA_CA=%s\n' "$TLS_STATE/ca.pem"
    printf 'MUSICFLOW_STACK_KAFKA_SASL_USERNAME=%s\n' "$SASL_USER"
    printf 'MUSICFLOW_STACK_KAFKA_SASL_PASSWORD=%s\n' "$(cat "$sasl_password_file")"
  else
    say "warning: this Kafka broker was started without the SASL/TLS listeners (restart it: scripts/stack/down.sh --force, then up.sh)"
  fi
} | tee "$STACK_DIR/env"
say "up in $((SECONDS - started)) s; stop with: npm run stack:down"
