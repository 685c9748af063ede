# The two set-up commands of the README: `make run` and `make test`. Both install what is
# missing (scripts/install-deps.sh), configure a Release build in build/ and build it.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test sanitize bench fuzz fuzz-build clean

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# The main job: `minidl train` on configs/disk.toml (the reports' task, minidl's best setting);
# the run folder runs/disk-<timestamp>/ gets the metrics, the plots and the model.
run: build
	./$(BUILD)/tools/minidl/minidl train

# CI: the test suite, then every fuzz target built and run for a few seconds each (FUZZ_SECONDS=5):
# from here rather than from ctest because the fuzz targets need their own clang build (build-fuzz),
# which a ctest of build/ cannot make. It catches a fuzz target that no longer builds (clang
# refused src/nn/module.cpp once and nothing noticed) and a crash on the seed inputs.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) fuzz FUZZ_SECONDS=5

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (not part of CI).
sanitize: deps
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIDL_SANITIZE=ON -DMINIDL_BUILD_BENCH=OFF
	cmake --build build-sanitize -j$(JOBS)
	cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# Micro-benchmarks (Google Benchmark); bench/RESULTS.md records the figures.
bench: build
	for b in $(BUILD)/bench/bench_*; do OPENBLAS_NUM_THREADS=1 $$b; done

# libFuzzer targets (fuzz/README.md): the safetensors loader, the TOML config reader, the CSV
# reader, under ASan/UBSan, built with clang in build-fuzz (clang and libclang-rt-14-dev come from
# scripts/install-deps.sh). `make fuzz` runs each for FUZZ_SECONDS; new inputs go to
# build-fuzz/corpus-<target>/ (not committed).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_safetensors fuzz_config fuzz_csv
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIDL_FUZZ=ON \
	  -DMINIDL_BUILD_TESTS=OFF -DMINIDL_BUILD_BENCH=OFF -DMINIDL_BUILD_EXAMPLES=OFF
	cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
	  seeds=fuzz/corpus; dict=-dict=fuzz/safetensors.dict; \
	  if [ $$t = fuzz_config ]; then seeds=fuzz/corpus_config; dict=; fi; \
	  if [ $$t = fuzz_csv ]; then seeds=fuzz/corpus_csv; dict=; fi; \
	  mkdir -p build-fuzz/corpus-$$t && \
	  ./build-fuzz/fuzz/$$t build-fuzz/corpus-$$t $$seeds $$dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 || exit 1; \
	done

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
