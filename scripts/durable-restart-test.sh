#!/usr/bin/env bash
# Restart test (issue 10): the only node (SQLite) killed with SIGKILL mid-render and started again; the job must
# complete and its status history (phases done before the kill) must be intact.
# Jobs are render jobs (POST /v1/jobs with a plan); same overrides as durable-kill-test.sh.
set -euo pipefail
MASHUP_BIN="${MASHUP_BIN:-.build/release/mashup}"
DEFAULT_SERVE_ARGS='--port {PORT} --storage {STORAGE}'
SERVE_ARGS="${SERVE_ARGS:-$DEFAULT_SERVE_ARGS}"
TIMEOUT_SECONDS=600
WORK="$(mktemp -d /tmp/mashup-restart.XXXXXX)"
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

mkdir -p "$WORK/storage/uploads"
sox -n -r 44100 -c 2 -b 16 "$WORK/storage/uploads/a.wav" synth 30 pluck 220 2>/dev/null
sox -n -r 44100 -c 2 -b 16 "$WORK/storage/uploads/b.wav" synth 30 pluck 330 2>/dev/null

start() {
  local args="${SERVE_ARGS//\{PORT\}/$PORT}"; args="${args//\{STORAGE\}/$WORK/storage}"
  MASHUP_NODE_ID=solo "$MASHUP_BIN" serve $args >>"$WORK/node.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0; sleep 0.1; done
  cat "$WORK/node.log" >&2; exit 1
}
status() { curl -s -X POST -H 'Content-Type: application/json' -d "{\"jobId\": \"$JOB\"}" "http://127.0.0.1:$PORT/get-mashup-status"; }

start
JOB=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"plan": {"creative_vision": "kill test", "masterplan": {"title": "T", "global": {"targetBPM": 120}, "timeline": [{"time_start_sec": 0, "duration_sec": 12, "description": "A", "energy_level": 0.5, "layers": [{"songId": "a", "stem": "full", "volume_db": -3, "effects": ["reverb"]}]}, {"time_start_sec": 12, "duration_sec": 12, "description": "B", "energy_level": 0.8, "layers": [{"songId": "a", "stem": "drums", "volume_db": -4, "effects": []}, {"songId": "b", "stem": "other", "volume_db": -6, "effects": ["delay"]}]}]}}, "songs": [{"song_id": "a", "name": "Song A", "storage_path": "uploads/a.wav"}, {"song_id": "b", "name": "Song B", "storage_path": "uploads/b.wav"}]}' \
  "http://127.0.0.1:$PORT/v1/jobs" | json_field id)
deadline=$((SECONDS + TIMEOUT_SECONDS))
until python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["progress"] >= 80 else 1)' < <(status); do
  [ $SECONDS -lt $deadline ] || { echo "restart-test: never reached rendering" >&2; exit 1; }
  sleep 0.2
done
kill -9 "$PID"
# The phases finished before the kill, straight from the database file.
before=$(python3 - "$WORK/storage/jobs.sqlite" "$JOB" <<'PY'
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT record FROM jobs WHERE id = ?", (sys.argv[2],)).fetchone()
print(",".join(json.loads(row[0])["metadata"]["completedPhases"]))
PY
)
start
until [ "$(status | json_field status)" != processing ]; do
  [ $SECONDS -lt $deadline ] || { echo "restart-test: did not finish after restart" >&2; exit 1; }
  sleep 0.5
done
[ "$(status | json_field status)" = complete ] || { echo "restart-test: $(status)" >&2; exit 1; }
after=$(python3 - "$WORK/storage/jobs.sqlite" "$JOB" <<'PY'
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT record FROM jobs WHERE id = ?", (sys.argv[2],)).fetchone()
print(",".join(json.loads(row[0])["metadata"]["completedPhases"]))
PY
)
case "$after" in "$before"*) ;; *) echo "restart-test: history lost: before=$before after=$after" >&2; exit 1;; esac
echo "restart-test: 1 passed, 0 failed"
