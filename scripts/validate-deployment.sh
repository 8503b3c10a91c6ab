#!/usr/bin/env bash
# Runs one real job against a running `mashup serve` and checks every field the original front end reads.
#
#   scripts/validate-deployment.sh URL            e.g. scripts/validate-deployment.sh http://127.0.0.1:8001
#
# Environment: MASHUP_API_TOKEN (sent as a bearer token when set), SONG_A and SONG_B (audio files to use; two
# 30 s test songs are made with sox otherwise), TIMEOUT_SECONDS (how long the job may take, default 600).
# Exit 0 when every check passed; 1 with the failed checks listed otherwise.
set -uo pipefail
URL="${1:?usage: validate-deployment.sh URL}"
URL="${URL%/}"
TIMEOUT_SECONDS="${TIMEOUT_SECONDS:-600}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
AUTH=()
[ -n "${MASHUP_API_TOKEN:-}" ] && AUTH=(-H "Authorization: Bearer $MASHUP_API_TOKEN")
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$@" 2>/dev/null; }

code=$(curl -s -o "$WORK/health" -w '%{http_code}' "${AUTH[@]}" "$URL/healthz")
[ "$code" = 200 ] && pass "GET /healthz answers 200" || { fail "GET /healthz answered $code"; exit 1; }

# Songs: given, or two 30 s test songs at different pitches and pulses.
if [ -z "${SONG_A:-}" ] || [ -z "${SONG_B:-}" ]; then
  command -v sox >/dev/null || { echo "validate-deployment: sox makes the test songs (apt-get install sox), or set SONG_A and SONG_B" >&2; exit 1; }
  SONG_A="$WORK/a.wav"; SONG_B="$WORK/b.wav"
  sox -n -r 44100 -c 2 -b 16 "$SONG_A" synth 30 pluck 220 synth 30 sine amod 2 2>/dev/null
  sox -n -r 44100 -c 2 -b 16 "$SONG_B" synth 30 pluck 330 synth 30 sine amod 2.1 2>/dev/null
fi
paths=()
for song in "$SONG_A" "$SONG_B"; do
  name=$(basename "$song")
  code=$(curl -s -o "$WORK/upload" -w '%{http_code}' "${AUTH[@]}" --data-binary "@$song" "$URL/v1/uploads?filename=$name")
  path=$(json "$WORK/upload" "d['storage_path']")
  if [ "$code" = 201 ] && [ -n "$path" ]; then pass "upload $name -> $path"; paths+=("$path"); else fail "upload $name answered $code: $(cat "$WORK/upload")"; exit 1; fi
done

body=$(printf '{"songs": [{"song_id": "a", "name": "Song A", "artist": "Validator", "storage_path": "%s"}, {"song_id": "b", "name": "Song B", "artist": "Validator", "storage_path": "%s"}]}' "${paths[0]}" "${paths[1]}")
curl -s -o "$WORK/generate" "${AUTH[@]}" -H 'Content-Type: application/json' -d "$body" "$URL/generate-mashup"
job=$(json "$WORK/generate" "d['jobId']")
[ "$(json "$WORK/generate" "d['success']")" = True ] && [ -n "$job" ] && pass "POST /generate-mashup -> jobId $job" \
  || { fail "POST /generate-mashup answered $(cat "$WORK/generate")"; exit 1; }

# Poll the status as the front end does, until complete or failed.
deadline=$((SECONDS + TIMEOUT_SECONDS))
status=processing
while [ "$status" = processing ] && [ $SECONDS -lt $deadline ]; do
  curl -s -o "$WORK/status" "${AUTH[@]}" -H 'Content-Type: application/json' -d "{\"jobId\": \"$job\"}" "$URL/get-mashup-status"
  status=$(json "$WORK/status" "d['status']")
  [ "$status" = processing ] && sleep 2
done
[ "$status" = complete ] && pass "job complete in $SECONDS s" || { fail "job ended as '$status': $(json "$WORK/status" "d.get('error_message')")"; exit 1; }

check() {  # check NAME PYTHON-EXPRESSION-ON-d
  local value; value=$(json "$WORK/status" "$2")
  [ "$value" = True ] && pass "$1" || fail "$1 (got: $(json "$WORK/status" "${3:-None}"))"
}
check "jobId, status, progress 100" "d['jobId'] == '$job' and d['status'] == 'complete' and d['progress'] == 100"
check "currentStep, created_at, updated_at" "all(isinstance(d[k], str) and d[k] for k in ['currentStep', 'created_at', 'updated_at'])"
check "processing_time_elapsed, estimated_completion" "all(isinstance(d[k], str) for k in ['processing_time_elapsed', 'estimated_completion'])"
check "result_url is the storage path generated/<jobId>.<ext>" "d['result_url'].startswith('generated/$job.')" "d.get('result_url')"
check "title and concept" "bool(d['title']) and bool(d['concept'])"
check "timeline: MashupSection {start, duration, description, layers: [{stem, volume 0-1, effects}]}" \
  "len(d['timeline']) > 0 and all(isinstance(s['start'], (int, float)) and s['duration'] > 0 and isinstance(s.get('description', ''), str) and all(isinstance(l['stem'], str) and 0 <= l['volume'] <= 1 and isinstance(l['effects'], list) for l in s['layers']) for s in d['timeline'])"
check "masterplan.plan (list of strings) and masterplan.thoughts (string)" \
  "isinstance(d['masterplan']['plan'], list) and all(isinstance(x, str) for x in d['masterplan']['plan']) and isinstance(d['masterplan']['thoughts'], str)"
check "metadata {songs_count, analyses_completed, mashability_scores_count, has_masterplan}" \
  "d['metadata']['songs_count'] == 2 and d['metadata']['analyses_completed'] == 2 and d['metadata']['mashability_scores_count'] == 1 and d['metadata']['has_masterplan'] is True"

audio=$(json "$WORK/status" "d.get('audio_url') or '/v1/jobs/$job/audio'")
code=$(curl -s -o "$WORK/audio" -w '%{http_code}' "${AUTH[@]}" -r 0-11 "$URL$audio")
[ "$code" = 206 ] && [ "$(head -c 4 "$WORK/audio")" = RIFF ] && pass "audio served with byte ranges ($audio)" || fail "audio $audio answered $code"

# The job's warnings (service fallbacks, replaced analysis fields, plan review, the render's own) are in the status.
check "warnings, when present, are a list of strings" "isinstance(d.get('warnings', []), list) and all(isinstance(w, str) for w in d.get('warnings', []))"
echo "     $(json "$WORK/status" "len(d.get('warnings', []))") warnings: $(json "$WORK/status" "'; '.join(d.get('warnings', []))[:600]")"

# The served report page's player plays: its <audio src>, resolved against the page, answers audio.
query=""
[ -n "${MASHUP_API_TOKEN:-}" ] && query="?token=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$MASHUP_API_TOKEN")"
page_url="$URL/v1/jobs/$job/report.html$query"
code=$(curl -s -o "$WORK/report.html" -w '%{http_code}' "$page_url")
src=$(python3 -c 'import re, sys; m = re.search(r"<audio[^>]*\ssrc=\"([^\"]+)\"", open(sys.argv[1]).read()); print(m.group(1) if m else "")' "$WORK/report.html" 2>/dev/null)
if [ "$code" = 200 ] && [ -n "$src" ]; then
  player=$(python3 -c 'import html, sys, urllib.parse; print(urllib.parse.urljoin(sys.argv[1], html.unescape(sys.argv[2])))' "$page_url" "$src")
  type=$(curl -s -o "$WORK/player" -w '%{http_code} %{content_type}' -r 0-11 "$player")
  case "$type" in
    "206 audio/"*|"200 audio/"*) pass "report page's player plays ($src answers ${type%% *}, ${type#* })" ;;
    *) fail "report page's player: $player answered $type" ;;
  esac
else
  fail "report page $page_url answered $code (audio src: '${src}')"
fi

# The edge function's /execute-masterplan: several MB of analyses (the original service's, with MFCCs), one stream.
python3 - "${paths[0]}" "${paths[1]}" "$job" > "$WORK/execute.json" <<'PY'
import json, random, sys
random.seed(7)
def analysis():
    return {"version": "1.0-studio",
            "harmonic": {"key": "C major", "key_confidence": 0.0, "chord_progression": ["C", "G"], "chord_complexity": 0.2},
            "rhythmic": {"bpm": 99.4, "beat_confidence": 0.7, "groove_stability": 2.0, "swing_factor": 0.0},
            "spectral": {"mfccs": [[round(random.uniform(-300, 300), 6) for _ in range(12000)] for _ in range(13)],
                         "dynamic_range": 11.0, "brightness": 2100.0},
            "vocal": {"vocal_presence": 0.98}}
timeline = [{"time_start_sec": 0, "duration_sec": 8, "description": "Intro", "energy_level": 0.4,
             "layers": [{"songId": "a", "stem": "full", "volume_db": -3, "effects": []}]},
            {"time_start_sec": 8, "duration_sec": 8, "description": "Blend", "energy_level": 0.8,
             "layers": [{"songId": "a", "stem": "other", "volume_db": -4, "effects": ["reverb"]},
                        {"songId": "b", "stem": "drums", "volume_db": -6, "effects": []}]}]
body = {"masterplan": {"timeline": timeline, "global_settings": {"targetBPM": 120, "timeSignature": [4, 4]}},
        "songs": [{"song_id": "a", "storage_path": sys.argv[1], "analysis": analysis()},
                  {"song_id": "b", "storage_path": sys.argv[2], "analysis": analysis()}],
        "job_id": sys.argv[3] + "-render"}
print(json.dumps(body))
PY
bytes=$(stat -c %s "$WORK/execute.json")
curl -s -N --max-time "$TIMEOUT_SECONDS" -o "$WORK/execute.events" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary "@$WORK/execute.json" "$URL/execute-masterplan"
last=$(grep '^data: ' "$WORK/execute.events" | tail -1 | cut -c7-)
if python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if d.get("storage_path") == sys.argv[2] else 1)' "$last" "generated/$job-render.wav" 2>/dev/null; then
  pass "POST /execute-masterplan with a $(python3 -c "print(round($bytes / 1e6, 1))") MB body streams to storage_path generated/$job-render.wav ($(grep -c '^data: {"warning"' "$WORK/execute.events") warning events)"
  grep '^data: {"warning"' "$WORK/execute.events" | cut -c7- | head -8 | sed 's/^/     /'
else
  fail "POST /execute-masterplan ($bytes bytes) ended with: ${last:-$(head -c 300 "$WORK/execute.events")}"
fi

code=$(curl -s -o "$WORK/missing" -w '%{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"jobId": "no-such-job"}' "$URL/get-mashup-status")
[ "$code" = 404 ] && [ "$(json "$WORK/missing" "all(k in d for k in ['error', 'message', 'error_details'])")" = True ] \
  && pass "unknown job: 404 {error, message, error_details}" || fail "unknown job answered $code: $(cat "$WORK/missing")"

echo "$failures failed"
[ $failures = 0 ]
