# The two set-up commands of the README: `make run` and `make test`. Both install what is
# missing (scripts/install-deps.sh), configure a Release build in build/ and build it.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test sanitize bench fuzz clean

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

# libFuzzer on the safetensors loader (fuzz/README.md); clang + libclang-rt-14-dev; not part of CI.
FUZZ_SECONDS ?= 60
fuzz:
	dpkg-query -W -f='$${Status}\n' clang libclang-rt-14-dev 2>/dev/null | grep -c "install ok installed" | grep -qx 2 \
	  || $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIDL_FUZZ=ON \
	  -DMINIDL_BUILD_TESTS=OFF -DMINIDL_BUILD_BENCH=OFF -DMINIDL_BUILD_EXAMPLES=OFF
	cmake --build build-fuzz -j$(JOBS) --target fuzz_safetensors
	mkdir -p build-fuzz/corpus
	./build-fuzz/fuzz/fuzz_safetensors build-fuzz/corpus fuzz/corpus -dict=fuzz/safetensors.dict \
	  -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
