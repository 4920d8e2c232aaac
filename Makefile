# The two commands a user needs: `make run` and `make test`.
# Everything else here is a step they call.

BUILD_RUN  ?= build/release
BUILD_TEST ?= build/asan
BUILD_FUZZ ?= build/fuzz
FUZZ_SECONDS ?= 60
GENERATOR  := -G Ninja

.PHONY: run test deps deps-test build build-test fuzz bench deb clean

run: deps build
	$(BUILD_RUN)/src/app/sealpost serve --dev --data ./data

test: deps-test build-test
	cd $(BUILD_TEST) && ctest --output-on-failure --timeout 600 -j2

deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --test

build:
	@[ -f $(BUILD_RUN)/build.ninja ] || cmake -S . -B $(BUILD_RUN) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEALPOST_TESTS=OFF
	cmake --build $(BUILD_RUN)

build-test:
	@[ -f $(BUILD_TEST)/build.ninja ] || cmake -S . -B $(BUILD_TEST) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DSEALPOST_SANITIZE=ON
	cmake --build $(BUILD_TEST)

# libFuzzer targets (clang, ASan+UBSan), each run for FUZZ_SECONDS from its seed corpus.
fuzz:
	@bash scripts/install-deps.sh --fuzz
	@[ -f $(BUILD_FUZZ)/build.ninja ] || CXX=clang++ cmake -S . -B $(BUILD_FUZZ) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEALPOST_TESTS=OFF -DSEALPOST_FUZZ=ON
	cmake --build $(BUILD_FUZZ) --target fuzzers
	bash fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# The Debian package (stripped binary, -dbgsym, systemd unit): build/release/sealpost_*.deb.
deb: deps build
	cd $(BUILD_RUN) && cpack -G DEB

bench: deps-test build
	bash bench/run.sh $(BUILD_RUN)/src/app/sealpost

clean:
	rm -rf build
