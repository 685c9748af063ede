# The two set-up commands of the README: `make run` and `make test`. Both install what is
# missing (scripts/install-deps.sh), configure a Release build in build/ and build it.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test sanitize bench clean

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# The main job: trains the disk network (until the CLI exists, the raw-ops example).
run: build
	./$(BUILD)/examples/example_disk

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (not part of CI).
sanitize: deps
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIDL_SANITIZE=ON -DMINIDL_BUILD_BENCH=OFF
	cmake --build build-sanitize -j$(JOBS)
	cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# Micro-benchmarks (Google Benchmark); bench/RESULTS.md records the figures.
bench: build
	for b in $(BUILD)/bench/bench_*; do OPENBLAS_NUM_THREADS=1 $$b; done

clean:
	rm -rf $(BUILD) build-sanitize
