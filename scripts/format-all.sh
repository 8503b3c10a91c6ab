#!/usr/bin/env bash
# Reformats every Swift file in place with the toolchain's `swift format` and the checked-in .swift-format
# (4 spaces, 120 columns; rules chosen to keep the code base's compact style). Afterwards `make lint` is clean.
# Usage: scripts/format-all.sh [paths...]   (default: Sources Tests Benchmarks Fuzz Package.swift)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
if [ $# -eq 0 ]; then set -- Sources Tests Benchmarks Fuzz Package.swift; fi
"$SWIFT" format format --in-place --parallel --recursive "$@"
