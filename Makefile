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
	$(MAKE) ui-test

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
