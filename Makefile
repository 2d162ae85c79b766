# The README's two quick-start commands. Both install what the build needs from Debian's packages
# (apt-get, when run as root; otherwise they print the one line to run and stop).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEB_PACKAGES = cmake g++ make pkg-config libdw-dev libelf-dev libunwind-dev libzstd-dev \
               libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev \
               libre2-dev
# Only the tests need these: a headless browser to render the HTML reports, real programs to track.
TEST_PACKAGES = chromium fonts-liberation python3 python3-jsonschema perl sqlite3 git gcc coreutils procps \
                python3-numpy python3-numba nodejs default-jre-headless libjemalloc2
# Only the side-by-side benchmarks need these (bench/tracker compares with heaptrack and jemalloc).
BENCH_PACKAGES = time heaptrack libjemalloc2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: demo test accuracy build deps test-deps bench-deps clean

demo: deps build
	./scripts/demo.sh $(BUILD_DIR)

test: deps test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The accuracy corpus (examples/patterns/): every program in three modes, scored against its truth;
# the scores go to $(BUILD_DIR)/accuracy.json for the README. Takes ~15 minutes on 2 cores.
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
	rm -rf $(BUILD_DIR)
