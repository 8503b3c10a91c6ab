#!/usr/bin/env bash
# Kill test (issue 10): two `mashup serve` nodes on one PostgreSQL, 10 jobs, one node killed with SIGKILL while
# rendering; every job must complete exactly once (on the surviving node for the killed node's jobs) and no
# partial file may remain. Run through the throwaway server:
#   scripts/with-postgres.sh scripts/durable-kill-test.sh
# Jobs are render jobs (POST /v1/jobs with a plan, the real engine) so no planner service is needed. Overrides:
#   MASHUP_BIN          the built tool (default: .build/release/mashup)
#   SERVE_ARGS          arguments after `serve`; {PORT} and {STORAGE} are substituted
#                       (default: "--port {PORT} --storage {STORAGE}")
#   the Job API of shared/CONTRACTS.md on each node; songs read from <storage>/uploads/.
set -euo pipefail
: "${MASHUP_TEST_DATABASE_URL:?run through scripts/with-postgres.sh}"
MASHUP_BIN="${MASHUP_BIN:-.build/release/mashup}"
DEFAULT_SERVE_ARGS='--port {PORT} --storage {STORAGE}'
SERVE_ARGS="${SERVE_ARGS:-$DEFAULT_SERVE_ARGS}"
JOB_COUNT=10
LEASE_SECONDS=4          # short lease: the killed node's jobs return to the queue within seconds
TIMEOUT_SECONDS=600

WORK="$(mktemp -d /tmp/mashup-kill.XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

mkdir -p "$WORK/storage/uploads"
for name in a b; do   # two 30 s test songs (different tempos/keys), generated
  freq=$([ $name = a ] && echo 220 || echo 330)
  sox -n -r 44100 -c 2 -b 16 "$WORK/storage/uploads/$name.wav" synth 30 pluck $freq synth 30 sine amod 2 2>/dev/null \
    || { echo "kill-test: sox is needed to make test songs (make bench-deps)" >&2; exit 1; }
done

start_node() {  # name port [hold file]
  local args="${SERVE_ARGS//\{PORT\}/$2}"; args="${args//\{STORAGE\}/$WORK/storage}"
  MASHUP_NODE_ID="$1" MASHUP_DATABASE_URL="$MASHUP_TEST_DATABASE_URL" MASHUP_LEASE_SECONDS=$LEASE_SECONDS \
    MASHUP_TEST_HOLD_FILE="${3:-}" "$MASHUP_BIN" serve $args >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$2/healthz" && return 0; sleep 0.1; done
  echo "kill-test: node $1 did not start" >&2; cat "$WORK/$1.log" >&2; exit 1
}

PORT_A=$(free_port); PORT_B=$(free_port)
# Node A holds its jobs once they start rendering (MASHUP_TEST_HOLD_FILE), so the test cannot miss the moment to
# kill it however quick the renders are; node B renders freely.
touch "$WORK/hold-A"
start_node A "$PORT_A" "$WORK/hold-A"; PID_A=${PIDS[-1]}
start_node B "$PORT_B"

body='{"plan": {"creative_vision": "kill test", "masterplan": {"title": "T", "global": {"targetBPM": 120}, "timeline": [{"time_start_sec": 0, "duration_sec": 12, "description": "A", "energy_level": 0.5, "layers": [{"songId": "a", "stem": "full", "volume_db": -3, "effects": ["reverb"]}]}, {"time_start_sec": 12, "duration_sec": 12, "description": "B", "energy_level": 0.8, "layers": [{"songId": "a", "stem": "drums", "volume_db": -4, "effects": []}, {"songId": "b", "stem": "other", "volume_db": -6, "effects": ["delay"]}]}]}}, "songs": [{"song_id": "a", "name": "Song A", "storage_path": "uploads/a.wav"}, {"song_id": "b", "name": "Song B", "storage_path": "uploads/b.wav"}]}'
JOBS=()
for i in $(seq $JOB_COUNT); do
  port=$([ $((i % 2)) = 0 ] && echo "$PORT_A" || echo "$PORT_B")
  JOBS+=("$(curl -s -X POST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/v1/jobs" | json_field id)")
done

status() { curl -s -X POST -H 'Content-Type: application/json' -d "{\"jobId\": \"$1\"}" "http://127.0.0.1:$PORT_B/get-mashup-status"; }

# Kill A as soon as it is rendering something (a job leased by A, progress >= 80).
deadline=$((SECONDS + TIMEOUT_SECONDS))
until psql "$MASHUP_TEST_DATABASE_URL" -tAc "SELECT 1 FROM jobs WHERE lease_owner = 'A' AND (record->>'progress')::float >= 80" | grep -q 1; do
  [ $SECONDS -lt $deadline ] || { echo "kill-test: node A never rendered" >&2; exit 1; }
  sleep 0.2
done
kill -9 "$PID_A"
echo "kill-test: node A killed while rendering"

for id in "${JOBS[@]}"; do
  until [ "$(status "$id" | json_field status)" != processing ]; do
    [ $SECONDS -lt $deadline ] || { echo "kill-test: job $id did not finish" >&2; exit 1; }
    sleep 0.5
  done
  [ "$(status "$id" | json_field status)" = complete ] || { echo "kill-test: job $id: $(status "$id")" >&2; exit 1; }
done

# Exactly once: every job complete, one output each, nothing partial left in the storage.
complete=$(psql "$MASHUP_TEST_DATABASE_URL" -tAc "SELECT count(*) FROM jobs WHERE state = 'complete'")
outputs=$(find "$WORK/storage/generated" -type f -name '*.wav' | wc -l)
partial=$(find "$WORK/storage" -type f \( -name '*.partial' -o -name '*.tmp' -o -name '.incoming-*' \) | wc -l)
[ "$complete" = $JOB_COUNT ] && [ "$outputs" = $JOB_COUNT ] && [ "$partial" = 0 ] \
  || { echo "kill-test: complete=$complete outputs=$outputs partial=$partial" >&2; exit 1; }
echo "kill-test: 1 passed, 0 failed"
