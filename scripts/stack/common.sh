# Shared by up.sh and down.sh: where the test stack lives and which ports it uses.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${MUSICFLOW_STACK_DIR:-$repo_root/.stack}
CACHE_DIR=${MUSICFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/musicflow}
KAFKA_PORT=${MUSICFLOW_STACK_KAFKA_PORT:-19092}
CONTROLLER_PORT=${MUSICFLOW_STACK_CONTROLLER_PORT:-19093}
# The same broker's secured listeners: SASL (PLAIN, SCRAM-SHA-256/512) in clear, TLS alone, SASL over TLS.
SASL_PORT=${MUSICFLOW_STACK_KAFKA_SASL_PORT:-19094}
TLS_PORT=${MUSICFLOW_STACK_KAFKA_TLS_PORT:-19095}
SASL_TLS_PORT=${MUSICFLOW_STACK_KAFKA_SASL_TLS_PORT:-19096}
REDIS_PORT=${MUSICFLOW_STACK_REDIS_PORT:-16379}
KAFKA_HEAP=${MUSICFLOW_STACK_KAFKA_HEAP:-512m}
ES_PORT=${MUSICFLOW_STACK_ES_PORT:-19200}
# Node-to-node port: nothing connects to it (one node), but the node binds it all the same.
ES_TRANSPORT_PORT=${MUSICFLOW_STACK_ES_TRANSPORT_PORT:-19300}
ES_HEAP=${MUSICFLOW_STACK_ES_HEAP:-512m}
# The one place that names the Kafka version: the pom's kafka.version property.
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$repo_root/scripts/stack/kafka/pom.xml")
KAFKA_STATE=$STACK_DIR/kafka
REDIS_STATE=$STACK_DIR/redis
# The one place that names the Elasticsearch version: its pom's elasticsearch.version property.
ES_VERSION=$(sed -n 's:.*<elasticsearch.version>\(.*\)</elasticsearch.version>.*:\1:p' "$repo_root/scripts/stack/elasticsearch/pom.xml")
ES_STATE=$STACK_DIR/elasticsearch
# The test CA and the broker's certificate: made once, kept by down.sh (they hold no data).
TLS_STATE=$STACK_DIR/tls
