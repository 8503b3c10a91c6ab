#!/usr/bin/env bash
# Isolation test (issue 14): `mashup serve` runs each job in a worker process. Shows, against real processes:
#   kill    two jobs; one job's worker is killed with SIGKILL mid-render: the server keeps answering /healthz, the
#           other job completes, the killed job fails with error type engine_crash (not recoverable), no partial
#           file remains, and the job is not claimed again.
#   trap    a trap injected in the worker (MASHUP_WORKER_TEST_CRASH=trap) fails the job the same way.
#   memory  a worker allocating without bound (MASHUP_WORKER_TEST_CRASH=memory) stops at MASHUP_WORKER_MEMORY_MB;
#           the job fails as engine_crash naming the limit; the server's own peak memory stays small.
#   timeout a worker that never answers (MASHUP_WORKER_TEST_CRASH=hang) is killed at MASHUP_WORKER_TIMEOUT_SECONDS.
#   cancel  DELETE of a running job kills its worker.
#   stream  /execute-masterplan's event stream from a job run in a worker: rising progress, then the result.
# Needs sox, curl and python3; MASHUP_BIN is the built tool (release: renders must be quick).
set -euo pipefail
MASHUP_BIN="${MASHUP_BIN:-.build/release/mashup}"
TIMEOUT_SECONDS=300
WORK="$(mktemp -d /tmp/mashup-isolation.XXXXXX)"
PID=""
PASSED=0
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "isolation-test: FAIL: $*" >&2; [ -f "$WORK/node.log" ] && tail -30 "$WORK/node.log" >&2; exit 1; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d := (d.get(k) if isinstance(d, dict) else None) for k in sys.argv[1].split(".")]; print("" if d is None else (json.dumps(d) if isinstance(d, (dict, list, bool)) else d))' "$1"; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

mkdir -p "$WORK/storage/uploads" "$WORK/tmp"
sox -n -r 44100 -c 2 -b 16 "$WORK/storage/uploads/a.wav" synth 30 pluck 220 synth 30 sine amod 2 2>/dev/null \
  || fail "sox is needed to make test songs"
sox -n -r 44100 -c 2 -b 16 "$WORK/storage/uploads/b.wav" synth 30 pluck 330 synth 30 sine amod 2 2>/dev/null

start() {  # extra environment as NAME=VALUE words
  if [ -n "$PID" ]; then   # the previous server: killed, and gone (or a zombie: its sockets closed) before the next
    kill -9 "$PID" 2>/dev/null || true
    while [ -e "/proc/$PID" ] && [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" != Z ]; do sleep 0.05; done
  fi
  env TMPDIR="$WORK/tmp" "$@" MASHUP_NODE_ID=solo "$MASHUP_BIN" serve --port "$PORT" --storage "$WORK/storage" --workers 2 --render-limit 2 \
    >>"$WORK/node.log" 2>&1 &
  PID=$!
  disown "$PID"   # no "Killed" notices from bash
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0; sleep 0.1; done
  fail "server did not start"
}
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ] || fail "/healthz did not answer 200 after $1"; }
submit() {
  curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"plan": {"creative_vision": "isolation test", "masterplan": {"title": "T", "global": {"targetBPM": 120}, "timeline": [{"time_start_sec": 0, "duration_sec": 12, "description": "A", "energy_level": 0.5, "layers": [{"songId": "a", "stem": "full", "volume_db": -3, "effects": ["reverb"]}]}, {"time_start_sec": 12, "duration_sec": 12, "description": "B", "energy_level": 0.8, "layers": [{"songId": "a", "stem": "drums", "volume_db": -4, "effects": []}, {"songId": "b", "stem": "other", "volume_db": -6, "effects": ["delay"]}]}]}}, "songs": [{"song_id": "a", "name": "Song A", "storage_path": "uploads/a.wav"}, {"song_id": "b", "name": "Song B", "storage_path": "uploads/b.wav"}]}' \
    "http://127.0.0.1:$PORT/v1/jobs" | json_field id
}
status() { curl -s -X POST -H 'Content-Type: application/json' -d "{\"jobId\": \"$1\"}" "http://127.0.0.1:$PORT/get-mashup-status"; }
# The pid of the worker process of job $1 (a child of the server whose command line names the job), or nothing.
worker_pid() {
  for proc in /proc/[0-9]*; do
    [ "$(awk '{print $4}' "$proc/stat" 2>/dev/null)" = "$PID" ] || continue
    tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -q -- "worker .*--job-id $1 " && { basename "$proc"; return 0; }
  done
  return 0
}
wait_until_done() {  # job -> final status word
  local deadline=$((SECONDS + TIMEOUT_SECONDS)) state
  while :; do
    state=$(status "$1" | json_field status)
    case "$state" in complete|failed|cancelled) echo "$state"; return 0;; esac
    [ $SECONDS -lt $deadline ] || fail "job $1 did not finish (status $state)"
    sleep 0.2
  done
}
expect_engine_crash() {  # job, text the message must contain
  local answer; answer=$(status "$1")
  [ "$(json_field status <<<"$answer")" = failed ] || fail "job $1: expected failed, got $answer"
  [ "$(json_field error_details.type <<<"$answer")" = engine_crash ] || fail "job $1: expected engine_crash, got $answer"
  [ "$(json_field error_details.recoverable <<<"$answer")" = false ] || fail "job $1: expected recoverable false, got $answer"
  json_field error_message <<<"$answer" | grep -q -- "$2" || fail "job $1: message lacks '$2': $answer"
  [ ! -e "$WORK/storage/work/jobs/$1" ] || fail "job $1: workspace left behind"
  ! ls "$WORK/storage/generated/$1".* >/dev/null 2>&1 || fail "job $1: partial result left in the storage"
  no_scratch_left "job $1"
}
# Every worker's temporary files are in a scratch folder of its own, removed once the worker has ended however it
# ended (waits a little: a cancelled job's status changes before its killed worker is reaped).
no_scratch_left() {
  local deadline=$((SECONDS + 10))
  while [ -n "$(find "$WORK/tmp" -maxdepth 1 -name 'mashup-worker-*' -print -quit)" ]; do
    [ $SECONDS -lt $deadline ] || fail "$1: a worker's scratch folder was left: $(ls "$WORK/tmp")"
    sleep 0.1
  done
}

# --- kill: one worker SIGKILLed mid-render, the other job goes on ---
# Both jobs hold at the start of their render while the hold file exists (MASHUP_TEST_HOLD_FILE), so a render of
# the short test songs cannot finish between two polls; the file is removed once job A's worker is killed.
touch "$WORK/hold"
# A scratch folder left by the workers of a server that is gone (pid 999999999 exists on no Linux) is swept at start.
mkdir -p "$WORK/tmp/mashup-worker-999999999-left" && touch "$WORK/tmp/mashup-worker-999999999-left/mashup-spool-x.wav"
start MASHUP_TEST_HOLD_FILE="$WORK/hold"
[ ! -e "$WORK/tmp/mashup-worker-999999999-left" ] || fail "a gone server's scratch folder was not swept at start"
JOB_A=$(submit); JOB_B=$(submit)
[ -n "$JOB_A" ] && [ -n "$JOB_B" ] || fail "jobs were not accepted"
deadline=$((SECONDS + TIMEOUT_SECONDS)); WORKER=""
until [ -n "$WORKER" ] && python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["progress"] >= 80 else 1)' < <(status "$JOB_A"); do
  [ $SECONDS -lt $deadline ] || fail "job A never reached rendering in a worker"
  WORKER=$(worker_pid "$JOB_A"); sleep 0.1
done
WORKER=$(worker_pid "$JOB_A")
[ -n "$WORKER" ] || fail "job A's worker ended before it could be killed"
kill -9 "$WORKER"
rm -f "$WORK/hold"
healthy "a worker was killed"
[ "$(wait_until_done "$JOB_A")" = failed ] || fail "killed job A did not fail: $(status "$JOB_A")"
expect_engine_crash "$JOB_A" "SIGKILL"
healthy "job A failed"
[ "$(wait_until_done "$JOB_B")" = complete ] || fail "job B did not complete: $(status "$JOB_B")"
kill -0 "$PID" || fail "the server died"
# Not claimed again: still failed a few lease periods later (the store's attempts stay at 1).
attempts=$(python3 - "$WORK/storage/jobs.sqlite" "$JOB_A" <<'PY'
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT attempts FROM jobs WHERE id = ?", (sys.argv[2],)).fetchone()
print(row[0] if row else "")
PY
)
[ "$attempts" = 1 ] || fail "job A was claimed $attempts times"
echo "isolation-test: kill: worker $WORKER killed; A failed (engine_crash), B complete, server healthy"; PASSED=$((PASSED + 1))

# --- trap injected in the worker ---
start MASHUP_WORKER_TEST_CRASH=trap
JOB=$(submit)
[ "$(wait_until_done "$JOB")" = failed ] || fail "trap: job did not fail"
expect_engine_crash "$JOB" "signal"
healthy "a worker trapped"
echo "isolation-test: trap: job failed (engine_crash), server healthy"; PASSED=$((PASSED + 1))

# --- memory limit ---
start MASHUP_WORKER_TEST_CRASH=memory MASHUP_WORKER_MEMORY_MB=512
JOB=$(submit)
[ "$(wait_until_done "$JOB")" = failed ] || fail "memory: job did not fail"
expect_engine_crash "$JOB" "memory limit 512 MiB"
healthy "a worker ran out of memory"
server_peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
[ "$server_peak_kb" -lt 524288 ] || fail "memory: the server itself peaked at $server_peak_kb kB"
echo "isolation-test: memory: job failed at the 512 MiB limit (engine_crash); server peak ${server_peak_kb} kB"; PASSED=$((PASSED + 1))

# --- time limit ---
start MASHUP_WORKER_TEST_CRASH=hang MASHUP_WORKER_TIMEOUT_SECONDS=2
JOB=$(submit)
[ "$(wait_until_done "$JOB")" = failed ] || fail "timeout: job did not fail"
expect_engine_crash "$JOB" "longer than the limit of 2 s"
healthy "a worker timed out"
echo "isolation-test: timeout: worker stopped at 2 s (engine_crash)"; PASSED=$((PASSED + 1))

# --- cancel kills the worker ---
start MASHUP_WORKER_TEST_CRASH=hang
JOB=$(submit)
deadline=$((SECONDS + TIMEOUT_SECONDS)); WORKER=""
until [ -n "$WORKER" ]; do
  [ $SECONDS -lt $deadline ] || fail "cancel: no worker started"
  WORKER=$(worker_pid "$JOB"); sleep 0.1
done
curl -s -X DELETE "http://127.0.0.1:$PORT/v1/jobs/$JOB" >/dev/null
deadline=$((SECONDS + 30))
while kill -0 "$WORKER" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$WORKER/stat" 2>/dev/null)" != Z ]; do
  [ $SECONDS -lt $deadline ] || fail "cancel: worker $WORKER still running"
  sleep 0.1
done
# The contract's status word for a cancelled job is "failed", with error type "cancelled".
[ "$(status "$JOB" | json_field error_details.type)" = cancelled ] || fail "cancel: $(status "$JOB")"
no_scratch_left "cancel"
healthy "a job was cancelled"
echo "isolation-test: cancel: worker $WORKER stopped, job cancelled"; PASSED=$((PASSED + 1))

# --- the render stream of a job run in a worker ---
start
PLAN='{"creative_vision": "stream", "masterplan": {"title": "T", "global": {"targetBPM": 120}, "timeline": [{"time_start_sec": 0, "duration_sec": 12, "description": "A", "energy_level": 0.5, "layers": [{"songId": "a", "stem": "full", "volume_db": -3, "effects": ["reverb"]}]}]}}'
curl -sN --max-time "$TIMEOUT_SECONDS" -X POST -H 'Content-Type: application/json' \
  -d "{\"masterplan\": $(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["masterplan"]))' "$PLAN"), \"songs\": [{\"song_id\": \"a\", \"name\": \"Song A\", \"storage_path\": \"uploads/a.wav\"}]}" \
  "http://127.0.0.1:$PORT/execute-masterplan" >"$WORK/stream.txt" || true
python3 - "$WORK/stream.txt" <<'PY' || fail "stream: $(head -c 2000 "$WORK/stream.txt")"
import json, sys
events = [json.loads(line[5:]) for line in open(sys.argv[1]) if line.startswith("data:")]
progress = [e["progress"] for e in events if "progress" in e]
assert len(progress) >= 3, progress
assert progress == sorted(progress), progress
assert events[-1].get("storage_path", "").startswith("generated/"), events[-1]
assert any(0 < p < 100 for p in progress), progress
print(f"isolation-test: stream: {len(events)} events, progress {progress[0]}..{progress[-1]}, result {events[-1]['storage_path']}")
PY
PASSED=$((PASSED + 1))

echo "isolation-test: $PASSED passed, 0 failed"
