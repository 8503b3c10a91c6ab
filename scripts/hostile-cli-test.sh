#!/usr/bin/env bash
# Hostile inputs through the command line (issue 14). Usage: scripts/hostile-cli-test.sh PATH/TO/mashup
#
# Each case runs one `mashup` command on a hostile input and checks that it
#   - exits 1 or 2 with an error (or 0 where a warning is the legitimate answer), never by a signal (exit >= 128);
#   - names the file or the field in its message (a pattern per case);
#   - leaves no partial output file (no OUT, no OUT.json/.html/.svg, no temporary file beside it);
#   - stays under 1 GB peak resident memory (/usr/bin/time -f %M).
# Needs sox, python3 and /usr/bin/time. Runs in about a minute in a release build.
set -u
MASHUP=${1:?usage: $0 PATH/TO/mashup}
MASHUP=$(readlink -f "$MASHUP")
RSS_LIMIT_KB=${RSS_LIMIT_KB:-1048576}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mashup-hostile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
unset MASHUP_MAX_SONG_SECONDS MASHUP_MAX_DECODED_MB MASHUP_MAX_DECODE_ERRORS  # the documented defaults apply

# --- Inputs -------------------------------------------------------------------------------------------------------
sox -D -n -r 44100 -c 2 -b 16 song1.wav synth 20 sine 220 tremolo 2
sox -D -n -r 44100 -c 2 -b 16 song2.wav synth 20 square 330 tremolo 4 vol 0.3
sox -D -n -r 8000 -c 1 -b 16 tone.flac synth 3 sine 440
sox -D -n -r 8000 -c 1 -b 16 silence-2h.flac trim 0 7200
python3 - <<'PY'
import struct, json
def wav(rate, channels, frames=4410, bits=16):
    data = bytes(frames * channels * bits // 8)
    fmt = struct.pack('<HHIIHH', 1, channels, rate, (rate * channels * bits // 8) & 0xFFFFFFFF, (channels * bits // 8) & 0xFFFF, bits)
    return b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVEfmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<I', len(data)) + data
open('empty.wav', 'wb').write(b'')
open('text.wav', 'wb').write(b'this is not audio, only text named .wav\n' * 20)
open('rate0.wav', 'wb').write(wav(0, 2))
open('rate4294967295.wav', 'wb').write(wav(4294967295, 2))
open('channels0.wav', 'wb').write(wav(44100, 0, frames=0)[:44] + bytes(4096))
open('channels1000.wav', 'wb').write(wav(44100, 1000, frames=4))
open('oneframe.wav', 'wb').write(wav(44100, 2, frames=1))
open('10ms.wav', 'wb').write(wav(44100, 2, frames=441))
def patch_total(src, dst, total):
    b = bytearray(open(src, 'rb').read())
    b[21] = (b[21] & 0xF0) | ((total >> 32) & 0x0F)
    b[22:26] = struct.pack('>I', total & 0xFFFFFFFF)
    open(dst, 'wb').write(b)
patch_total('tone.flac', 'declares-24h.flac', 24 * 3600 * 8000)   # a few KB declaring a day
patch_total('silence-2h.flac', 'silence-2h-undeclared.flac', 0)   # 2 h of real frames, no length declared
flac = bytearray(open('tone.flac', 'rb').read())
for i in range(3000, len(flac) - 100, 500): flac[i] ^= 0x5A
open('corrupt.flac', 'wb').write(flac)
open('truncated.flac', 'wb').write(open('tone.flac', 'rb').read()[:len(flac) // 3])

def plan(timeline=None, glob=None, extra=None):
    p = {"creative_vision": "hostile", "masterplan": {"title": "T", "global": glob or {"targetBPM": 120, "timeSignature": [4, 4]},
         "timeline": timeline if timeline is not None else [
             {"time_start_sec": 0, "duration_sec": 8, "layers": [{"songId": "song1", "stem": "full", "volume_db": -6}]},
             {"time_start_sec": 8, "duration_sec": 8, "layers": [{"songId": "song2", "stem": "full", "volume_db": -6}]}]}}
    if extra: p.update(extra)
    return p
def write(name, obj): open(name, 'w').write(json.dumps(obj))
write('plan-ok.json', plan())
t = plan()["masterplan"]["timeline"]
big = json.loads(json.dumps(t)); big[1]["time_start_sec"] = 1e23
write('plan-start-1e23.json', plan(big))
vol = json.loads(json.dumps(t)); vol[0]["layers"][0]["volume_db"] = 1e308
write('plan-volume-1e308.json', plan(vol))
open('plan-volume-nan.json', 'w').write(json.dumps(plan()).replace('"volume_db": -6', '"volume_db": NaN', 1))
neg = json.loads(json.dumps(t)); neg[0]["duration_sec"] = -8
write('plan-negative-duration.json', plan(neg))
write('plan-100000-sections.json', plan([{"time_start_sec": i, "duration_sec": 1, "layers": []} for i in range(100000)]))
open('plan-deep-nesting.json', 'w').write('{"masterplan": ' + '[' * 100000 + ']' * 100000 + '}')
write('plan-50mb-string.json', plan(extra={"creative_vision": "x" * (50 << 20)}))
open('plan-comments.json', 'w').write('{"masterplan": {"global": {"targetBPM": 120}, // tempo\n "timeline": [{"time_start_sec": 0, "duration_sec": 16, "layers": [{"songId": "song1", "stem": "full"},]},],}}')
open('plan-duplicate-keys.json', 'w').write('{"masterplan": {"global": {"targetBPM": 120, "targetBPM": 90}, "timeline": []}}')
open('plan-lone-surrogate.json', 'w').write('{"creative_vision": "\\ud83d", "masterplan": {"timeline": []}}')
open('plan-invalid-utf8.json', 'wb').write(b'{"creative_vision": "\xc3\x28", "masterplan": {"timeline": []}}')
open('plan-empty.json', 'w').write('')
write('plan-array.json', [1, 2, 3])
write('plan-sample-rate-0.json', plan(glob={"targetBPM": 120, "sample_rate": 0}))
write('plan-bpm-1e308.json', plan(glob={"targetBPM": 1e308}))
src = json.loads(json.dumps(t)); src[0]["layers"][0]["source_start_sec"] = 1e300
write('plan-source-1e300.json', plan(src))
PY

# --- Runner -------------------------------------------------------------------------------------------------------
passed=0; failed=0; worst_rss=0
# check NAME EXPECT PATTERN OUTPUT -- COMMAND...
#   EXPECT: "error" (exit 1 or 2), "warn" (exit 0 with a warning on stderr) or "either" (a warning or a refusal,
#   as a damaged file's decode-error count falls below or above the limit); PATTERN: an extended regex the
#   stderr must match (the file or field named); OUTPUT: the -o file that must not exist after an error ("-": none).
check() {
    local name=$1 expect=$2 pattern=$3 output=$4; shift 5
    local rc rss stderr problems=""
    /usr/bin/time -f %M -o "$name.rss" "$MASHUP" "$@" > "$name.out" 2> "$name.err"
    rc=$?
    rss=$(tail -1 "$name.rss" | grep -o '^[0-9]*$' || echo 0)
    # The messages: standard error, plus standard output for `validate`, which prints its issues there.
    stderr=$(cat "$name.err" "$name.out" | grep -v -E '^(Command exited|Command terminated)')
    [ "${rss:-0}" -gt "$worst_rss" ] && worst_rss=$rss
    if [ "$rc" -ge 128 ] || grep -q "Command terminated by signal" "$name.rss"; then problems+=" killed by a signal (exit $rc);"; fi
    case $expect in
        error) { [ "$rc" = 1 ] || [ "$rc" = 2 ]; } || problems+=" exit $rc, expected 1 or 2;" ;;
        warn) [ "$rc" = 0 ] || problems+=" exit $rc, expected 0 with a warning;"
              grep -q "warning" <<<"$stderr" || problems+=" no warning;" ;;
        either) { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } || problems+=" exit $rc, expected 0 (warning) or 1 (refused);" ;;
    esac
    grep -q -E -- "$pattern" <<<"$stderr" || problems+=" message does not match /$pattern/;"
    if [ "$output" != - ] && [ "$expect" = error ]; then
        local base=${output%.*}
        ls "$base".* "$(dirname "$output")"/.*"$(basename "$base")"* 2>/dev/null | grep -q . && problems+=" partial output left: $(ls "$base".* 2>/dev/null | tr '\n' ' ');"
    fi
    [ "${rss:-0}" -gt "$RSS_LIMIT_KB" ] && problems+=" peak RSS ${rss} KB over ${RSS_LIMIT_KB} KB;"
    if [ -z "$problems" ]; then
        passed=$((passed + 1)); printf 'ok   %-28s exit %s, %6s KB  %s\n' "$name" "$rc" "$rss" "$(head -c 150 <<<"$stderr" | head -1)"
    else
        failed=$((failed + 1)); printf 'FAIL %-28s%s\n     stderr: %s\n' "$name" "$problems" "$(head -c 400 <<<"$stderr")"
    fi
}
render() { local plan=$1 song=$2 out=$3; shift 3; echo render --plan "$plan" --song "song1=$song" --song song2=song2.wav -o "$out" "$@"; }

# Audio files through render (the plan is fine; the song is hostile), analyze, info and stretch.
for f in empty.wav text.wav rate0.wav rate4294967295.wav channels0.wav channels1000.wav declares-24h.flac \
         silence-2h.flac silence-2h-undeclared.flac oneframe.wav 10ms.wav; do
    case $f in
        rate*) pat="$f.*sample rate [0-9]+ Hz is not a valid sample rate" ;;
        channels*) pat="$f.*channels" ;;
        declares-24h.flac) pat="$f.*(24:00:00|too long)" ;;
        silence-2h*) pat="$f.*(2:00:00|too long).*MASHUP_MAX_SONG_SECONDS" ;;
        oneframe.wav|10ms.wav) pat="$f.*shorter than the minimum of 2 s" ;;
        *) pat="$f" ;;
    esac
    # shellcheck disable=SC2046
    check "render-$f" error "$pat" "out-$f.wav" -- $(render plan-ok.json "$f" "out-$f.wav")
done
check analyze-declares-24h error "declares-24h.flac.*too long" - -- analyze declares-24h.flac
check analyze-silence-2h-undeclared error "silence-2h-undeclared.flac.*too long" - -- analyze silence-2h-undeclared.flac
check info-rate0 error "rate0.wav.*sample rate 0 Hz" - -- info rate0.wav
check info-channels1000 error "channels1000.wav.*1000 channels" - -- info channels1000.wav
check info-corrupt either "corrupt.flac.*decode error" - -- info corrupt.flac
check info-truncated either "truncated.flac.*(truncated|decode errors)" - -- info truncated.flac
check stretch-empty error "empty.wav" out-stretch-empty.wav -- stretch --time-ratio 1.5 empty.wav out-stretch-empty.wav
check stretch-huge-ratio error "(time ratio|time-ratio)" out-stretch-ratio.wav -- stretch --time-ratio 1e308 tone.flac out-stretch-ratio.wav
check stretch-nan-semitones error "semitones" out-stretch-nan.wav -- stretch --semitones nan tone.flac out-stretch-nan.wav

# Plans through validate and render (the songs are fine; the plan is hostile).
check validate-start-1e23 error "timeline\[1\]\.time_start_sec: 1e\+23 s is over the limit of 1800 s" - -- validate plan-start-1e23.json
check validate-volume-nan error "layers\[0\]\.volume_db.*(NaN|finite)" - -- validate plan-volume-nan.json
check validate-negative-duration error "timeline\[0\]\.duration_sec.*positive" - -- validate plan-negative-duration.json
check validate-100000-sections error "100000 sections: at most 256" - -- validate plan-100000-sections.json
check validate-deep-nesting error "nesting deeper than 64 levels" - -- validate plan-deep-nesting.json
check validate-50mb-string error "creative_vision is 52,428,800 bytes, over the limit of 1,048,576" - -- validate plan-50mb-string.json
check validate-comments error "line 1, column 47: unexpected '/' \(comments are not JSON\)" - -- validate plan-comments.json
check validate-duplicate-keys error "duplicate key \"targetBPM\"" - -- validate plan-duplicate-keys.json
check validate-lone-surrogate error "creative_vision.*lone high surrogate" - -- validate plan-lone-surrogate.json
check validate-invalid-utf8 error "creative_vision.*invalid UTF-8" - -- validate plan-invalid-utf8.json
check validate-empty error "plan-empty.json|end of the document" - -- validate plan-empty.json
check validate-array error "must be a JSON object" - -- validate plan-array.json
check validate-sample-rate-0 error "sample_rate: sample rate 0 Hz" - -- validate plan-sample-rate-0.json
check validate-bpm-1e308 error "targetBPM: tempo 1e\+308 BPM" - -- validate plan-bpm-1e308.json
check validate-source-1e300 error "source_start_sec: 1e\+300 s is over the limit" - -- validate plan-source-1e300.json
# shellcheck disable=SC2046
check render-start-1e23 error "time_start_sec: 1e\+23 s is over the limit" out-start.wav -- $(render plan-start-1e23.json song1.wav out-start.wav)
# shellcheck disable=SC2046
check render-50mb-string error "creative_vision is 52,428,800 bytes" out-50mb.wav -- $(render plan-50mb-string.json song1.wav out-50mb.wav)
# shellcheck disable=SC2046
check render-comments error "comments are not JSON" out-comments.wav -- $(render plan-comments.json song1.wav out-comments.wav)
# Output paths a rename would wrongly replace (a FIFO stands in for a device such as /dev/null): refused up front,
# and the node is still there afterwards.
mkfifo out-fifo.wav && mkdir out-dir.wav
# shellcheck disable=SC2046
check render-output-fifo error "out-fifo.wav: is not a regular file" - -- $(render plan-ok.json song1.wav out-fifo.wav)
check analyze-output-fifo error "out-fifo.wav: is not a regular file" - -- analyze tone.flac -o out-fifo.wav
check stretch-output-folder error "out-dir.wav.*is a folder" - -- stretch --time-ratio 1.1 tone.flac out-dir.wav
[ -p out-fifo.wav ] && [ -d out-dir.wav ] || { echo "FAIL output nodes were replaced"; failed=$((failed + 1)); }
# A legitimate clamp: the render goes on with a warning naming the field.
# shellcheck disable=SC2046
check render-volume-1e308 warn "layers\[0\]\.volume_db: 1e\+308 dB is outside -60...12 dB: clamped" - -- $(render plan-volume-1e308.json song1.wav out-volume.wav)
[ -s out-volume.wav ] || { echo "FAIL render-volume-1e308 wrote no output"; failed=$((failed + 1)); }

# Interrupted (Ctrl-C, SIGTERM) while it writes: every temporary file goes (the partial output beside its
# destination, spools and converted copies in TMPDIR) and the exit status is 128 + the signal. The signal is sent
# once the first temporary file exists.
sox -D -n -r 44100 -c 2 -b 16 long.wav synth 600 sine 220 tremolo 2
interrupted() {  # name signal output command...
    local name=$1 sig=$2 output=$3 problems="" rc pid deadline
    shift 3
    mkdir -p "tmp-$name"
    set -m   # job control: the background job gets SIGINT as a foreground command does (not ignored)
    TMPDIR="$WORK/tmp-$name" "$MASHUP" "$@" >"$name.err" 2>&1 &
    pid=$!
    set +m
    deadline=$((SECONDS + 60))
    until [ -n "$(ls -A "tmp-$name")" ] || ls -a | grep -q "^\.$output\.partial"; do
        kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ] || break
        sleep 0.01
    done
    kill "-$sig" "$pid" 2>/dev/null
    wait "$pid"; rc=$?
    case $sig in INT) [ "$rc" = 130 ] || problems+=" exit $rc, expected 130;" ;; TERM) [ "$rc" = 143 ] || problems+=" exit $rc, expected 143;" ;; esac
    [ -z "$(ls -A "tmp-$name")" ] || problems+=" left in TMPDIR: $(ls -A "tmp-$name" | tr '\n' ' ');"
    ! ls -a | grep -q "^\.\{0,1\}${output%.*}" || problems+=" left beside the output: $(ls -a | grep "${output%.*}" | tr '\n' ' ');"
    if [ -z "$problems" ]; then
        passed=$((passed + 1)); printf 'ok   %-28s exit %s  %s\n' "$name" "$rc" "$(tail -1 "$name.err")"
    else
        failed=$((failed + 1)); printf 'FAIL %-28s%s\n     stderr: %s\n' "$name" "$problems" "$(tail -c 400 "$name.err")"
    fi
}
interrupted interrupt-stretch INT out-int-stretch.wav stretch --time-ratio 1.08 long.wav out-int-stretch.wav
interrupted interrupt-stretch-term TERM out-int-term.wav stretch --time-ratio 1.08 long.wav out-int-term.wav
# shellcheck disable=SC2046
interrupted interrupt-render INT out-int-render.wav $(render plan-ok.json long.wav out-int-render.wav)

echo "hostile CLI inputs: $passed passed, $failed failed; peak RSS of any run ${worst_rss} KB (limit ${RSS_LIMIT_KB} KB)"
[ "$failed" = 0 ]
