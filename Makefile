# mashup: build, test, benchmark and demo. `make test` and `make demo` install what they need first.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build links against, and the pkg-config names that tell whether they are present.
APT_PACKAGES := pkg-config libsndfile1-dev libsamplerate0-dev libfftw3-dev libmicrohttpd-dev libsqlite3-dev libpq-dev
PKG_CONFIG_NAMES := sndfile samplerate fftw3f libmicrohttpd sqlite3 libpq
# Extra tools used only by `make bench` for side-by-side figures.
BENCH_APT_PACKAGES := rubberband-cli sox ffmpeg asc-music
# The seed-style peers of `scripts/bench/seed_style.py` (the seed's Python pipeline style).
BENCH_PIP_PACKAGES := pedalboard pyrubberband pyloudnorm soundfile numpy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= out

.PHONY: deps bench-deps durable-test-deps serve-durable-test build test bench demo report-screenshot clean fuzz fuzz-build hostile-cli-test
.PHONY: lint format unsafe-report
.PHONY: deps bench-deps durable-test-deps serve-durable-test build test bench demo report-screenshot ui-test clean

deps:
	@missing=0; command -v pkg-config >/dev/null || missing=1; \
	for p in $(PKG_CONFIG_NAMES); do pkg-config --exists $$p 2>/dev/null || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "Installing: $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

bench-deps: deps
	@missing=""; for t in rubberband sox ffmpeg; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	[ -d /usr/share/games/asc/music ] || missing="$$missing asc-music"; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BENCH_APT_PACKAGES); \
	fi
	@python3 -c "import pedalboard, pyrubberband, pyloudnorm, soundfile, numpy" 2>/dev/null || \
	  python3 -m pip install -q $(BENCH_PIP_PACKAGES)

# TARGET_CPU=haswell (or znver3, skylake...): compile for that processor family and newer (AVX2, FMA), for machines
# that have them: `make build TARGET_CPU=haswell`. The output is the same bit for bit (Swift does not fuse multiply
# and add unasked); a 3-minute render took 6-20 % less CPU (README, "Memory and speed of a render"). Default:
# the portable x86-64 baseline (SSE2), which runs everywhere; a binary built for haswell stops with an illegal
# instruction on a processor without AVX2.
TARGET_CPU ?=
SWIFT_CPU_FLAGS := $(if $(TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(TARGET_CPU))
build: deps
	$(SWIFT) build -c release $(SWIFT_CPU_FLAGS)

# Formatting: the toolchain's `swift format` with .swift-format (4 spaces, 120 columns). `make lint` fails on any
# difference or rule violation; `make format` (scripts/format-all.sh) rewrites the files in place.
LINT_PATHS := Sources Tests Benchmarks Fuzz Package.swift
lint:
	$(SWIFT) format lint --strict --parallel --recursive $(LINT_PATHS)

# The files of Sources that use unsafe constructs, as the compiler's strict memory safety check sees them (a
# separate full build into .build-unsafe-report; not part of `make test`).
unsafe-report: deps
	scripts/unsafe-report.sh

format:
	scripts/format-all.sh $(LINT_PATHS)

# Tests run in release (DSP is 10-90x slower in debug); @testable imports work with -c release.
# Timing-sensitive suites (HTTP, jobs, retries) run first on their own, then the DSP-heavy ones, so that
# neither starves the other on a 2-core machine.
TIMED_SUITES := ServerTests|OrchestratorTests
test: deps
	$(SWIFT) build -c release --build-tests
	MASHUP_REQUIRE_POSTGRES=1 scripts/with-postgres.sh bash -c '$(SWIFT) test -c release --skip-build --filter "$(TIMED_SUITES)" && $(SWIFT) test -c release --skip-build --skip "$(TIMED_SUITES)"'
	$(MAKE) serve-durable-test
	$(MAKE) hostile-cli-test
	$(MAKE) ui-test

bench: bench-deps
	$(SWIFT) build -c release --product Benchmarks $(SWIFT_CPU_FLAGS)
	$(SWIFT) build -c release --product mashup $(SWIFT_CPU_FLAGS)
	$$($(SWIFT) build -c release --show-bin-path)/Benchmarks
	python3 scripts/bench/render_memory.py --mashup $$($(SWIFT) build -c release --show-bin-path)/mashup
	python3 scripts/bench/seed_style.py --mashup $$($(SWIFT) build -c release --show-bin-path)/mashup

demo: build
	@mkdir -p $(OUT)
	$$($(SWIFT) build -c release --show-bin-path)/mashup demo --output-directory $(OUT)

# The demo report rendered by headless Chromium to docs/report.png (the README's picture), kept small by pngquant.
REPORT_DEMO_DIR ?= $(OUT)/report-demo
REPORT_PNG := docs/report.png
report-screenshot: build
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pngquant >/dev/null || missing="$$missing pngquant"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@mkdir -p $(REPORT_DEMO_DIR) docs && rm -f $(REPORT_PNG)
	$$($(SWIFT) build -c release --show-bin-path)/mashup demo --output-directory $(REPORT_DEMO_DIR)
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
	  --window-size=1280,1600 --screenshot=$(CURDIR)/$(REPORT_PNG) \
	  "file://$(abspath $(REPORT_DEMO_DIR))/mashup.html" 2>/dev/null
	pngquant --force --skip-if-larger --speed 1 --quality=60-95 --output $(REPORT_PNG) $(REPORT_PNG) || true
	@test -s $(REPORT_PNG) && echo "wrote $(REPORT_PNG) ($$(stat -c %s $(REPORT_PNG)) bytes)"

clean:
	rm -rf .build .build-fuzz $(OUT)

# Kill and restart tests of `mashup serve` (issue 10): two nodes on a throwaway PostgreSQL, one killed with SIGKILL
# mid-render (~30 s); the only SQLite node killed and restarted (~6 s). Both need sox for their test songs.
# Worker isolation (issue 14, ~20 s): a render worker SIGKILLed mid-job, an injected trap, the memory and time
# limits, cancel kills the worker; the server and the other job unaffected.
.PHONY: serve-durable-test
# The kill/restart tests of durable jobs (real `mashup serve` processes) need sox, psql and python3.
DURABLE_TEST_PACKAGES := sox postgresql-client python3
durable-test-deps: deps
	@missing=0; for t in sox psql python3; do command -v $$t >/dev/null || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DURABLE_TEST_PACKAGES); \
	fi

serve-durable-test: durable-test-deps
	$(SWIFT) build -c release --product mashup
	MASHUP_BIN=$$($(SWIFT) build -c release --show-bin-path)/mashup scripts/durable-restart-test.sh
	MASHUP_BIN=$$($(SWIFT) build -c release --show-bin-path)/mashup scripts/with-postgres.sh scripts/durable-kill-test.sh
	MASHUP_BIN=$$($(SWIFT) build -c release --show-bin-path)/mashup scripts/worker-isolation-test.sh

# Analysis evaluation (issue 13; docs/README-eval.md). Not part of `make test`: generated multitrack songs with
# exact truth (FluidSynth, three GM soundfonts) and real recordings from Debian's game-music packages annotated by
# the consensus of librosa and essentia; ours, librosa and essentia scored on the same files in the same run.
# The set is cached in EVAL_DIR (gitignored); peer results are cached by file hash.
.PHONY: eval-deps eval-data eval-analysis eval-drums eval-pulse
EVAL_DIR ?= $(CURDIR)/.eval
EVAL_JOBS ?= 2
EVAL_COUNT ?= 240
EVAL_SEED ?= 13
# Prefix for the Swift build (e.g. BUILD_LOCK="flock /tmp/mashup-build.lock" where builds share a machine).
BUILD_LOCK ?=
EVAL_APT_PACKAGES := fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small sox \
  python3 python3-pip asc-music hyperrogue-music singularity-music planetblupi-music-ogg gunroar-data mu-cade-data \
  titanion-data torus-trooper-data tumiki-fighters-data a7xpg-data parsec47-data rrootage-data noiz2sa-data \
  hedgewars-data lincity-ng-data frozen-bubble-data warzone2100-music hydrogen-drumkits supertux-data warmux-data \
  marsshooter-data extremetuxracer-data xmoto-data
EVAL_SOUNDFONTS := /usr/share/sounds/sf2/FluidR3_GM.sf2 /usr/share/sounds/sf2/TimGM6mb.sf2 \
  /usr/share/sounds/sf3/MuseScore_General_Lite.sf3
EVAL_MUSIC_DIRS := /usr/share/games/asc/music /usr/share/hyperrogue/music /usr/share/games/singularity/music \
  /usr/share/planetblupi/music /usr/share/games/gunroar/sounds/musics /usr/share/games/mu-cade/sounds/musics \
  /usr/share/games/titanion/sounds/musics /usr/share/games/torus-trooper/sounds/musics \
  /usr/share/games/tumiki-fighters/sounds /usr/share/games/a7xpg/sounds /usr/share/games/parsec47/sounds \
  /usr/share/games/rrootage/sounds /usr/share/games/noiz2sa/sounds /usr/share/games/hedgewars/Data/Music \
  /usr/share/games/lincity-ng/music/default /usr/share/games/frozen-bubble/snd /usr/share/games/warzone2100/music \
  /usr/share/hydrogen/data/drumkits /usr/share/games/supertux2/music /usr/share/games/warmux/music \
  /usr/share/games/marsshooter/audio/music /usr/share/games/etr/music /usr/share/games/xmoto/Textures/Musics
# numba 0.68 (the newest on 2026-12-05) segfaults in librosa's beat tracker (a guvectorize call), so numba and the
# numpy it supports are pinned; the check below reinstalls when a newer numba is found.
EVAL_PIP_PACKAGES := "numpy<2.4" "numba==0.62.1" soundfile soxr mido pyloudnorm librosa essentia mir_eval

eval-deps: deps
	@missing=0; for t in fluidsynth sox python3; do command -v $$t >/dev/null || missing=1; done; \
	for f in $(EVAL_SOUNDFONTS) $(EVAL_MUSIC_DIRS); do [ -e $$f ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "Installing: $(EVAL_APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(EVAL_APT_PACKAGES); \
	fi
	@python3 -c "import numpy, soundfile, soxr, mido, pyloudnorm, librosa, essentia, mir_eval, numba; \
	  assert numba.__version__ == '0.62.1'" 2>/dev/null || \
	  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q $(EVAL_PIP_PACKAGES)

eval-data: eval-deps
	nice -n 10 python3 scripts/eval/generate.py --out $(EVAL_DIR)/generated --count $(EVAL_COUNT) \
	  --seed $(EVAL_SEED) --jobs $(EVAL_JOBS)
	nice -n 10 python3 scripts/eval/real.py --out $(EVAL_DIR)/real --jobs $(EVAL_JOBS)

# MASHUP_BIN scores another binary (e.g. the baseline); by default the release build of this checkout.
eval-analysis: eval-data
	python3 -m unittest scripts/eval/test_eval.py
	$(BUILD_LOCK) $(SWIFT) build -c release --product mashup
	nice -n 10 python3 scripts/eval/evaluate.py --data $(EVAL_DIR) --jobs $(EVAL_JOBS) \
	  --mashup $${MASHUP_BIN:-$$($(SWIFT) build -c release --show-bin-path)/mashup} \
	  --json $(EVAL_DIR)/results.json

# Drums alone from the sampled kits of hydrogen-drumkits (42 loops) and the General MIDI kits of the soundfonts
# (128 loops, FluidSynth): which get a key, which the engine would pitch-shift (scripts/eval/drum_loops.py;
# fails while any would be), and how many are read at the tempo they are played at.
eval-drums: eval-deps
	$(BUILD_LOCK) $(SWIFT) build -c release --product mashup
	python3 scripts/eval/drum_loops.py --out $(EVAL_DIR)/drum-loops \
	  --mashup $${MASHUP_BIN:-$$($(SWIFT) build -c release --show-bin-path)/mashup}

# Audio without a pulse (noise, random clicks and hits, pads, rubato notes, sweeps, speech-like syllables, rain, wind,
# a drone; 40 signals generated in code, split by kind): the pulse clarity of each and whether the engine would warp
# it to beats (scripts/eval/pulseless.py; fails while any would be).
eval-pulse: eval-deps
	$(BUILD_LOCK) $(SWIFT) build -c release --product mashup
	python3 scripts/eval/pulseless.py \
	  --mashup $${MASHUP_BIN:-$$($(SWIFT) build -c release --show-bin-path)/mashup}

# Coverage-guided fuzzing with libFuzzer (issue 14). One executable, MashupFuzz, holds every target; the first
# argument picks one (plan, effect, audio, http, remote, analysis). How it fits SwiftPM without breaking normal builds:
# - a normal `swift build` compiles Fuzz/ as a small executable whose main only says "run make fuzz" (FUZZING unset);
# - here every Swift module is rebuilt in .build-fuzz with AddressSanitizer and libFuzzer's coverage counters
#   (-sanitize=address -sanitize-coverage=...) and -D FUZZING, and linked with libFuzzer's *no-main* runtime:
#   SwiftPM links executables with `--defsym main=MashupFuzz_main`, so Fuzz/FuzzMain.swift defines that symbol and
#   calls LLVMFuzzerRunDriver. (`-sanitize=fuzzer` would link libFuzzer's own main as well: duplicate `main`.)
# Each target runs FUZZ_SECONDS (default 60) from its seeds in Fuzz/corpus/TARGET (new inputs go to
# .build-fuzz/corpus/TARGET); crash, timeout and out-of-memory inputs are written to .build-fuzz/crashes/.
# Reproduce one with `.build-fuzz/release/MashupFuzz TARGET FILE` (or the plain build: `swift run MashupFuzz TARGET FILE`).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= plan effect audio http remote analysis
FUZZ_RUNTIME = $(shell find $$(dirname $$(dirname $$(readlink -f $$(command -v swiftc))))/lib -name 'libclang_rt.fuzzer_no_main-x86_64.a' 2>/dev/null | head -1)
FUZZ_BUILD_FLAGS = -c release --scratch-path .build-fuzz \
	-Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
	-Xswiftc -DFUZZING -Xlinker $(FUZZ_RUNTIME) -Xlinker -lstdc++
fuzz-build: deps
	@test -n "$(FUZZ_RUNTIME)" || { echo "libclang_rt.fuzzer_no_main not found in the Swift toolchain"; exit 1; }
	$(SWIFT) build --product MashupFuzz $(FUZZ_BUILD_FLAGS)

fuzz: fuzz-build
	@bin=.build-fuzz/release/MashupFuzz; failed=0; mkdir -p .build-fuzz/crashes; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; rm -f .build-fuzz/crashes/$$t-*; \
	  ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 $$bin $$t .build-fuzz/corpus/$$t Fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=.build-fuzz/crashes/$$t- > .build-fuzz/$$t.log 2>&1; \
	  runs=$$(grep -o 'stat::number_of_executed_units: *[0-9]*' .build-fuzz/$$t.log | grep -o '[0-9]*$$' | tail -1); \
	  crashes=$$(ls .build-fuzz/crashes/ 2>/dev/null | grep -c "^$$t-"); \
	  echo "fuzz $$t: $${runs:-0} runs, $$crashes crashes"; \
	  if [ "$$crashes" != 0 ] || [ -z "$$runs" ]; then failed=1; grep -m3 -E "ERROR|Fatal|fault|deadly" .build-fuzz/$$t.log; fi; \
	done; exit $$failed

# Hostile inputs through the CLI (issue 14): ~30 cases on render/validate/analyze/info/stretch, each must exit
# with a message naming the file or field, never a signal, leave no partial output and stay under 1 GB resident.
hostile-cli-test: deps
	@missing=""; command -v sox >/dev/null || missing="$$missing sox"; command -v python3 >/dev/null || missing="$$missing python3"; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	$(SWIFT) build -c release --product mashup
	scripts/hostile-cli-test.sh $$($(SWIFT) build -c release --show-bin-path)/mashup

# Installs `mashup serve` as a system service: the release binary, the systemd unit, an environment file (kept when
# it exists), a `mashup` system user and its state folder. DESTDIR and PREFIX work as usual; without DESTDIR the
# user is created and systemd reloaded. Then: edit /etc/mashup/mashup.env, `systemctl enable --now mashup`, and
# check it with `scripts/validate-deployment.sh http://127.0.0.1:8001`. deploy/nginx.conf is an example proxy.
PREFIX ?= /usr/local
.PHONY: install
install: build
	install -D -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/mashup" "$(DESTDIR)$(PREFIX)/bin/mashup"
	install -D -m 0644 deploy/mashup.service "$(DESTDIR)/etc/systemd/system/mashup.service"
	sed -i 's|/usr/local/bin/mashup|$(PREFIX)/bin/mashup|' "$(DESTDIR)/etc/systemd/system/mashup.service"
	[ -f "$(DESTDIR)/etc/mashup/mashup.env" ] || install -D -m 0640 deploy/mashup.env "$(DESTDIR)/etc/mashup/mashup.env"
	install -D -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/mashup/README.md"
	install -D -m 0644 deploy/nginx.conf "$(DESTDIR)$(PREFIX)/share/doc/mashup/nginx.conf"
	install -d -m 0750 "$(DESTDIR)/var/lib/mashup"
	if [ -z "$(DESTDIR)" ]; then \
	  id -u mashup >/dev/null 2>&1 || $(SUDO) useradd --system --home-dir /var/lib/mashup --shell /usr/sbin/nologin mashup; \
	  $(SUDO) chown mashup:mashup /var/lib/mashup; \
	  $(SUDO) chgrp mashup /etc/mashup/mashup.env; \
	  command -v systemctl >/dev/null && $(SUDO) systemctl daemon-reload || true; \
	fi
	@echo "installed $(PREFIX)/bin/mashup and the mashup service; next: edit /etc/mashup/mashup.env, systemctl enable --now mashup"

# The studio in a real browser (issue 18): headless Chromium through chromedriver runs the whole flow against a
# release `mashup serve` on a free loopback port (about a minute); saves docs/studio.png (the README's picture).
UI_TEST_PYTHON := /usr/bin/python3
ui-test: deps
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	$(UI_TEST_PYTHON) -c 'import selenium' 2>/dev/null || missing="$$missing python3-selenium"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	command -v pngquant >/dev/null || missing="$$missing pngquant"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	$(SWIFT) build -c release --product mashup
	$(UI_TEST_PYTHON) scripts/ui-test.py --mashup "$$($(SWIFT) build -c release --show-bin-path)/mashup" --screenshot docs/studio.png
