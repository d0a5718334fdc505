#!/usr/bin/env bash
# The test command (`npm test`): builds, starts the local server stack (Kafka, Redis and Elasticsearch on
# loopback) unless one is already named in the environment, runs every test file, and stops what it started.
# MUSICFLOW_TEST_SERVERS=0 runs without the stack (server tests then skip and say why).
# Under CI (CI set) or with MUSICFLOW_TEST_SERVERS=1 the servers are required: a stack that does not come up, or
# one named in the environment with a server missing, fails the run instead of letting server tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build --silent

servers=${MUSICFLOW_TEST_SERVERS:-}
required=0
# A green CI run must not come from skipped server tests; MUSICFLOW_TEST_SERVERS=0 still opts out explicitly.
if [[ $servers == 1 || (-n ${CI:-} && ${CI:-} != false && $servers != 0) ]]; then required=1; fi
fail() { printf 'test: error: %s\n' "$*" >&2; exit 1; }

# The variables up.sh prints that name a server; the server suites skip when theirs is unset.
named=() missing=()
for name in MUSICFLOW_KAFKA_BROKERS MUSICFLOW_REDIS_URL MUSICFLOW_ELASTICSEARCH_URL; do
  if [[ -n ${!name:-} ]]; then named+=("$name"); else missing+=("$name"); fi
done

started_stack=0
stop_stack() {
  if [[ $started_stack == 1 ]]; then bash scripts/stack/down.sh >/dev/null 2>&1 || true; fi
}
trap stop_stack EXIT

if [[ $servers == 0 ]]; then
  echo "test: MUSICFLOW_TEST_SERVERS=0: running without the server stack (server tests will be skipped)" >&2
elif ((${#named[@]} > 0)); then
  # A stack named in the environment (started by hand, or by an older up.sh) is used as it is, not started again.
  if ((${#missing[@]} > 0)); then
    if ((required)); then
      fail "${named[*]} set but ${missing[*]} unset: export every line of 'npm run -s stack:up', or unset them all to let this script start the stack"
    fi
    echo "test: ${missing[*]} unset: the tests that need it will be skipped" >&2
  fi
else
  # down.sh runs on exit even when up.sh failed: a server that came up beside one that did not is stopped too.
  started_stack=1
  if lines=$(bash scripts/stack/up.sh); then
    while IFS= read -r line; do
      [[ $line == MUSICFLOW_*=* ]] && export "${line?}"
    done <<<"$lines"
    echo "test: stack up: ${MUSICFLOW_KAFKA_BROKERS:-?} ${MUSICFLOW_REDIS_URL:-?} ${MUSICFLOW_ELASTICSEARCH_URL:-?}" >&2
  elif ((required)); then
    fail "the server stack did not start (see above); under CI or MUSICFLOW_TEST_SERVERS=1 that fails the run (MUSICFLOW_TEST_SERVERS=0 runs without it)"
  else
    echo "test: the server stack did not start (see above); server tests will be skipped" >&2
  fi
fi

mkdir -p test-artifacts
# Every server test has a timeout (test/support/timeouts.ts); --test-force-exit ends a file's process once its
# tests are done even when a timed-out test left a client connected, so a hang is a named failure, not a stuck run.
node --test --test-force-exit $(find dist/test -name '*.test.js' | sort)
