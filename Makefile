# mashup: build, test, benchmark and demo. `make test` and `make demo` install what they need first.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build links against, and the pkg-config names that tell whether they are present.
APT_PACKAGES := pkg-config libsndfile1-dev libsamplerate0-dev libfftw3-dev libmicrohttpd-dev libsqlite3-dev libpq-dev
PKG_CONFIG_NAMES := sndfile samplerate fftw3f libmicrohttpd sqlite3 libpq
# Extra tools used only by `make bench` for side-by-side figures.
BENCH_APT_PACKAGES := rubberband-cli sox ffmpeg asc-music
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= out

.PHONY: deps bench-deps durable-test-deps serve-durable-test build test bench demo report-screenshot clean

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

build: deps
	$(SWIFT) build -c release

# Tests run in release (DSP is 10-90x slower in debug); @testable imports work with -c release.
# Timing-sensitive suites (HTTP, jobs, retries) run first on their own, then the DSP-heavy ones, so that
# neither starves the other on a 2-core machine.
TIMED_SUITES := ServerTests|OrchestratorTests
test: deps
	$(SWIFT) build -c release --build-tests
	MASHUP_REQUIRE_POSTGRES=1 scripts/with-postgres.sh bash -c '$(SWIFT) test -c release --skip-build --filter "$(TIMED_SUITES)" && $(SWIFT) test -c release --skip-build --skip "$(TIMED_SUITES)"'
	$(MAKE) serve-durable-test

bench: bench-deps
	$(SWIFT) build -c release --product Benchmarks
	$$($(SWIFT) build -c release --show-bin-path)/Benchmarks

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
	rm -rf .build $(OUT)

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
.PHONY: eval-deps eval-data eval-analysis
EVAL_DIR ?= $(CURDIR)/.eval
EVAL_JOBS ?= 2
EVAL_COUNT ?= 240
EVAL_SEED ?= 13
# Prefix for the Swift build (e.g. BUILD_LOCK="flock /tmp/mashup-build.lock" where builds share a machine).
BUILD_LOCK ?=
EVAL_APT_PACKAGES := fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small sox \
  python3 python3-pip asc-music hyperrogue-music singularity-music planetblupi-music-ogg gunroar-data mu-cade-data \
  titanion-data torus-trooper-data tumiki-fighters-data
EVAL_SOUNDFONTS := /usr/share/sounds/sf2/FluidR3_GM.sf2 /usr/share/sounds/sf2/TimGM6mb.sf2 \
  /usr/share/sounds/sf3/MuseScore_General_Lite.sf3
EVAL_MUSIC_DIRS := /usr/share/games/asc/music /usr/share/hyperrogue/music /usr/share/games/singularity/music \
  /usr/share/planetblupi/music /usr/share/games/gunroar/sounds/musics /usr/share/games/mu-cade/sounds/musics \
  /usr/share/games/titanion/sounds/musics /usr/share/games/torus-trooper/sounds/musics \
  /usr/share/games/tumiki-fighters/sounds
EVAL_PIP_PACKAGES := numpy soundfile soxr mido pyloudnorm librosa essentia mir_eval

eval-deps: deps
	@missing=0; for t in fluidsynth sox python3; do command -v $$t >/dev/null || missing=1; done; \
	for f in $(EVAL_SOUNDFONTS) $(EVAL_MUSIC_DIRS); do [ -e $$f ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "Installing: $(EVAL_APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(EVAL_APT_PACKAGES); \
	fi
	@python3 -c "import numpy, soundfile, soxr, mido, pyloudnorm, librosa, essentia, mir_eval" 2>/dev/null || \
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
