#!/usr/bin/env bash
# The test command (`npm test`): builds, starts the local server stack (Kafka + Redis on loopback)
# unless one is already named in the environment, runs every test file, and stops what it started.
# MUSICFLOW_TEST_SERVERS=0 runs without the stack (server tests then skip and say why).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build --silent

started_stack=0
stop_stack() {
  if [[ $started_stack == 1 ]]; then bash scripts/stack/down.sh >/dev/null 2>&1 || true; fi
}
trap stop_stack EXIT

if [[ -z "${MUSICFLOW_KAFKA_BROKERS:-}" && -z "${MUSICFLOW_REDIS_URL:-}" && "${MUSICFLOW_TEST_SERVERS:-1}" != 0 ]]; then
  if lines=$(bash scripts/stack/up.sh); then
    started_stack=1
    while IFS= read -r line; do
      [[ $line == MUSICFLOW_*=* ]] && export "${line?}"
    done <<<"$lines"
    echo "test: stack up: ${MUSICFLOW_KAFKA_BROKERS:-?} ${MUSICFLOW_REDIS_URL:-?}" >&2
  else
    echo "test: the server stack did not start (see above); server tests will be skipped" >&2
  fi
fi

mkdir -p test-artifacts
node --test $(find dist/test -name '*.test.js' | sort)
