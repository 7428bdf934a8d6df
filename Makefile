# aicc — the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (scripts/deps.sh is idempotent).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
CTEST_ARGS ?=
ARGS       ?=
# `make run` starts the pipeline-only daemon (no Asterisk needed) with its
# journal under the build directory; `make run RUN_ARGS=` runs call control
# too, with the ARI settings from the environment (ARI_URL, ARI_PASSWORD, …).
RUN_ARGS   ?= --no-ari --journal-dir $(BUILD)/state

.PHONY: all build deps configure test test-asterisk test-asterisk-load test-asan fuzz demo run bench format turn-eval clean

all: build

deps:
	scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) -L 'unit|integration' --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The real-Asterisk suite (tests/asterisk, ctest label `asterisk`): Asterisk 22
# from ../shared/asterisk/dist, sipp phones, the real aicc. Needs root; skipped
# with one line where the Asterisk bundle is absent.
test-asterisk: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) -L '^asterisk$$' --verbose $(CTEST_ARGS)

# 30 calls, 10 at a time, on the real Asterisk (issue 14's load bar).
test-asterisk-load: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) -L '^asterisk-load$$' --verbose $(CTEST_ARGS)

# Unit and integration tests under ASan + UBSan.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAICC_SANITIZE=address,undefined -DAICC_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) -L 'unit|integration' --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its committed corpus.
FUZZ_SECONDS ?= 20
fuzz: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DAICC_FUZZ=ON -DAICC_SANITIZE=address,undefined $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo: deps
	$(MAKE) build
	$(BUILD)/aicc demo $(ARGS)

run: build
	$(BUILD)/aicc run $(RUN_ARGS) $(ARGS)

bench: build
	scripts/run-bench.sh $(BUILD)

turn-eval: build
	$(BUILD)/aicc turn --eval tests/data/turn-dev.tsv $(ARGS)
	$(BUILD)/aicc turn --eval tests/data/turn-extra.tsv $(ARGS)
	$(BUILD)/aicc turn --eval tests/data/turn-casual.tsv $(ARGS)
	@for v in no-punct no-space split-end; do for c in dev extra casual; do \
	  printf '%-6s %-10s ' $$c $$v; $(BUILD)/aicc turn --eval tests/data/turn-$$c.tsv --variant $$v $(ARGS) | tail -n 1; \
	done; done

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
