# The README's two quick-start commands. Both install what the build needs from Debian's packages
# (apt-get, when run as root; otherwise they print the one line to run and stop).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
# The suite runs two tests a core: most of its time is paced programs waiting (10-16 s at a few % of a CPU),
# and ctest at one test a core kept the 2 cores ~30% busy (session 36, a fresh clone: the suite 851 s at
# -j2, 501 s at -j4 with every test passing and none losing its pacing, ctest's children 1.06 CPUs). The
# CPU-heavy ones that pacing would suffer beside run alone (RUN_SERIAL: numba, perl's hash, Chromium).
SUITE_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
DEB_PACKAGES = cmake g++ make pkg-config libdw-dev libelf-dev libunwind-dev libzstd-dev \
               libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev \
               libcpp-httplib-dev python3-dev pybind11-dev libre2-dev libprotobuf-dev protobuf-compiler
# Only the tests need these: a headless browser to render the HTML reports, real programs to track (memcached
# and redis-server: real servers of the accuracy corpus),
# `go tool pprof` (golang-go) to open the pprof profiles.
TEST_PACKAGES = chromium fonts-liberation python3 python3-jsonschema perl tcl sqlite3 git gcc coreutils procps memcached redis-server \
                python3-numpy python3-numba nodejs default-jre-headless libjemalloc2 prometheus python3-pytest golang-go \
                clang
# Only the side-by-side benchmarks need these (bench/tracker compares with heaptrack and jemalloc).
BENCH_PACKAGES = time heaptrack libjemalloc2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

# The sanitizer configuration (clang, ASan+UBSan, -DLEAKSCOPE_SANITIZE=ON, libFuzzer's -DLEAKSCOPE_FUZZ=ON),
# one build in build-sanitize/: `make test` runs the recording, tracker and session tests under it plus
# 60 s of libFuzzer on the whole pipeline (sanitize-tests: only what those need is built); `make sanitize`
# adds the other fuzz targets, 60 s each; `make fuzz FUZZ_SECONDS=3600` fuzzes the pipeline for longer.
SANITIZE_DIR ?= build-sanitize
FUZZ_DIR ?= $(SANITIZE_DIR)
FUZZ_SECONDS ?= 600
SANITIZE_CMAKE = cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
                 -DLEAKSCOPE_SANITIZE=ON -DLEAKSCOPE_FUZZ=ON -DLEAKSCOPE_FUZZ_SECONDS=60 -DLEAKSCOPE_BUILD_BENCH=OFF -S .
SANITIZE_TEST_TARGETS = recording_tests tracker_tests session_tests pipeline_fuzz
SANITIZE_TEST_TESTS = ^(recording\.|tracker\.|session\.|pipeline_fuzz$$)
SANITIZE_TARGETS = $(SANITIZE_TEST_TARGETS) recording_fuzz_reader tracker_stream_fuzz
SANITIZE_TESTS = ^(recording\.|tracker\.|session\.|pipeline_fuzz$$|recording_fuzz_reader$$|tracker_stream_fuzz$$)
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: demo test accuracy build suite-build deps test-deps bench-deps clean sanitize sanitize-build sanitize-tests \
        sanitize-tests-build sanitize-tests-run fuzz

demo: deps build
	./scripts/demo.sh $(BUILD_DIR)

# The suite, then the recording, tracker and session tests under ASan+UBSan and a 60 s libFuzzer run of
# the pipeline (both run even when the first fails; `make test` fails if either did, or on any finding).
# The sanitizer build runs in the background from the start at idle priority (SCHED_IDLE: it gets only
# the CPU nothing else wants), so it costs the suite almost nothing: the main build keeps both cores, and
# the suite mostly waits on paced programs (README "Tests" has the measurements). It runs in a session
# of its own, so that it can be stopped as a whole; the kernel's autogroup gives a new session a CPU
# share of its own, so the session lowers that share (autogroup nice 19): with SCHED_IDLE alone it took
# half of the CPU from the main build.
# Its output goes to $(SANITIZE_BUILD_LOG), printed if it failed.
SANITIZE_BUILD_LOG = $(SANITIZE_DIR)/make-test-build.log
IDLE_PRIORITY = $(shell command -v chrt >/dev/null 2>&1 && echo chrt --idle 0 || echo nice -n 19)
test: deps test-deps
	@mkdir -p $(SANITIZE_DIR)
	@status=0; \
	setsid sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec "$$@"' sh $(IDLE_PRIORITY) \
	  $(MAKE) --no-print-directory sanitize-tests-build >$(SANITIZE_BUILD_LOG) 2>&1 & sanitizer_build=$$!; \
	stop="/bin/kill -TERM -- -$$sanitizer_build 2>/dev/null"; trap "$$stop" EXIT; trap "$$stop; exit 130" INT TERM; \
	$(MAKE) --no-print-directory suite-build || exit 1; \
	(cd $(BUILD_DIR) && ctest --output-on-failure -j $(SUITE_JOBS) --timeout 600) || status=1; \
	echo "sanitizer build (in the background since the start; log: $(SANITIZE_BUILD_LOG)):"; \
	if wait $$sanitizer_build; then trap - EXIT INT TERM; tail -n 1 $(SANITIZE_BUILD_LOG); \
	  $(MAKE) --no-print-directory sanitize-tests-run || status=1; \
	else cat $(SANITIZE_BUILD_LOG); echo "sanitizer build failed"; status=1; fi; \
	exit $$status

# What the suite runs: everything but the benchmarks and the corpus programs no test runs (target leakscope_suite,
# top-level CMakeLists.txt).
suite-build:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target leakscope_suite

# Only the three test programs, the pipeline's fuzz target and what they link are built (README "Tests"
# has the time, from scratch).
sanitize-tests: sanitize-tests-build
	$(MAKE) --no-print-directory sanitize-tests-run

sanitize-tests-build:
	$(SANITIZE_CMAKE) -B $(SANITIZE_DIR)
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target $(SANITIZE_TEST_TARGETS)

sanitize-tests-run:
	cd $(SANITIZE_DIR) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600 -R '$(SANITIZE_TEST_TESTS)'

sanitize-build:
	$(SANITIZE_CMAKE) -B $(FUZZ_DIR)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(SANITIZE_TARGETS)

sanitize: sanitize-build
	cd $(FUZZ_DIR) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600 -R '$(SANITIZE_TESTS)'

fuzz: sanitize-build
	mkdir -p $(FUZZ_DIR)/fuzz-corpus
	$(SANITIZE_ENV) $(FUZZ_DIR)/bin/pipeline_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
	    $(FUZZ_DIR)/fuzz-corpus tests/fuzz/corpus tests/recording/corpus

# The accuracy corpus (examples/patterns/): every program in three modes, scored against its truth;
# the scores go to $(BUILD_DIR)/accuracy.json for the README. Takes ~30 minutes on 2 busy cores.
accuracy: deps test-deps build
	python3 tests/accuracy/run_accuracy.py $(BUILD_DIR) --json $(BUILD_DIR)/accuracy.json

build:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

deps:
	@./scripts/install-deps.sh $(DEB_PACKAGES)

test-deps:
	@./scripts/install-deps.sh $(TEST_PACKAGES)

bench-deps:
	@./scripts/install-deps.sh $(BENCH_PACKAGES)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR) build-sanitize-fuzz
