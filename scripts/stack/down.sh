#!/usr/bin/env bash
# Stops the test stack started by scripts/stack/up.sh and removes its data (.stack/kafka, .stack/redis,
# .stack/elasticsearch). The downloaded Kafka and Elasticsearch jars and the compiled launcher stay cached
# (~/.cache/musicflow) and the test CA stays in .stack/tls for the next start.
# Each process that called up.sh holds the stack while it lives: down.sh releases its caller's hold and
# stops the stack only when no other holder is still running (--force stops it regardless).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

say() { printf 'stack: %s\n' "$*" >&2; }

[[ -d $STACK_DIR ]] || { say "nothing to stop ($STACK_DIR does not exist)"; exit 0; }
exec 9>"$STACK_DIR/.lock"
flock 9

force=0
[[ ${1:-} == --force ]] && force=1

# Holders: callers of up.sh still alive, other than this script's caller.
users=$STACK_DIR/users
if [[ -f $users ]]; then
  others=()
  while read -r pid; do
    [[ -n $pid && $pid != "$PPID" && $pid != "$$" ]] && kill -0 "$pid" 2>/dev/null && others+=("$pid")
  done < <(sort -u "$users")
  printf '%s\n' "${others[@]}" >"$users"
  if ((${#others[@]} > 0 && force == 0)); then
    say "left running: still used by process(es) ${others[*]} (scripts/stack/down.sh --force stops it anyway)"
    exit 0
  fi
fi

stop_pid_file() { # pid file, label
  local file=$1 label=$2
  [[ -f $file ]] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $label (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$label did not stop within 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

stop_pid_file "$ES_STATE/elasticsearch.pid" "Elasticsearch node"
stop_pid_file "$KAFKA_STATE/kafka.pid" "Kafka broker"
stop_pid_file "$REDIS_STATE/redis.pid" "redis-server"
rm -rf "$KAFKA_STATE" "$REDIS_STATE" "$ES_STATE" "$STACK_DIR/env" "$STACK_DIR/mvn.log" "$STACK_DIR/javac.log" "$users"
say "stopped; data removed"
