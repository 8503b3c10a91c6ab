#!/bin/bash
# Lists the files of Sources that use unsafe constructs, as the compiler sees them: a release build of the CLI
# (every module of Sources) with `-strict-memory-safety`, which warns at each use of a pointer, an unsafe type, a
# C call taking pointers or a C string, `unsafelyUnwrapped` and the like. Builds into its own folder (a full build,
# several minutes) so the normal build is not disturbed. Prints "count path" per file and the total.
# Usage: scripts/unsafe-report.sh [BUILD_PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
build_path="${1:-.build-unsafe-report}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Warnings are only printed for files compiled in this run: start from a clean module cache of our own sources.
rm -rf "$build_path/release/"{DSP,MashupModel,Analysis,Render,Orchestrator,Server,mashup}.build
swift build -c release --product mashup -Xswiftc -strict-memory-safety --build-path "$build_path" >"$log" 2>&1 || {
    tail -20 "$log"
    exit 1
}
# One line per warning, reduced to the file's path relative to the repository.
files="$(grep -E "^/.*: warning: .*\[#StrictMemorySafety\]" "$log" | sed -E 's/:[0-9]+:[0-9]+: warning: .*//' \
    | sed -E "s|^$(pwd)/||")"
printf '%s\n' "$files" | sort | uniq -c | sort -n
echo "files with unsafe constructs: $(printf '%s\n' "$files" | sort -u | grep -c .)"
