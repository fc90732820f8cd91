# The two commands: `make run` and `make test`. Everything else is a helper for them.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
FUZZ_BUILD_DIR ?= build-fuzz
DEB_BUILD_DIR ?= build-deb
JOBS ?= $(shell nproc)
# `make fuzz`: seconds per fuzz target. `make test-long`: stress and per-target fuzz durations.
FUZZ_SECONDS ?= 60
LONG_STRESS_SECONDS ?= 1200
LONG_FUZZ_SECONDS ?= 1800

# Sanitizer findings must fail the run: every report aborts the process with a non-zero status.
# The integration fixture also fails a test whose broker log holds a report (samsa_fixture.py).
ASAN_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/unit/tsan.supp
# The sanitizer builds skip what they do not test: the TSan one builds no broker or tools.
TSAN_MODULES = config;protocol;protocol/records;storage;cluster;metrics;security;server;admin-http
CTEST = ctest --output-on-failure -j 2 --timeout 900

.PHONY: run test test-tsan test-plain test-long deps build build-asan build-tsan fuzz fuzz-build bench docs format clean deb deb-test

deps:
	@bash scripts/install-deps.sh

build: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; fi
	@ninja -C $(BUILD_DIR) -j $(JOBS)

# The sanitizer builds compile at -O1 with line tables only: about half the compile time of
# RelWithDebInfo, and what sanitizer stack traces need.
SAN_FLAGS = "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"

# ASan+UBSan build of everything, broker included: the integration tests run against it.
build-asan: deps
	@if [ ! -f $(ASAN_BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(SAN_FLAGS) \
	    -DSAMSA_SANITIZE=address,undefined; fi
	@ninja -C $(ASAN_BUILD_DIR) -j $(JOBS)

build-tsan: deps
	@if [ ! -f $(TSAN_BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(SAN_FLAGS) \
	    -DSAMSA_SANITIZE=thread "-DSAMSA_ONLY=$(TSAN_MODULES)"; fi
	@ninja -C $(TSAN_BUILD_DIR) -j $(JOBS)

# Starts one broker on the embedded defaults: PLAINTEXT://127.0.0.1:9092, data under ./data.
run: build
	@echo "Starting samsa-broker: Kafka listener PLAINTEXT://127.0.0.1:9092, admin HTTP (REST, /metrics) on http://127.0.0.1:8090, data in $(CURDIR)/data (Ctrl-C stops it)"
	@exec $(BUILD_DIR)/broker/samsa-broker

# What CI runs (.ci/run), one stage after the other, each timed (scripts/timed.sh): the ASan+UBSan
# build, then its unit tests, every fuzz corpus replayed, the config-docs check and the integration
# tests against the sanitized broker (the fixture fails a test whose broker log holds a sanitizer
# report); then the TSan stage (`make test-tsan`: its build, the unit tests and the storage
# concurrency stress). The plain build is what `make run` and `make bench` use; libFuzzer runs are
# `make fuzz`.
test: deps
	@bash scripts/timed.sh "asan+ubsan: build" $(MAKE) --no-print-directory build-asan
	@bash scripts/timed.sh "asan+ubsan: unit + fuzz corpora + docs + integration" sh -c 'cd $(ASAN_BUILD_DIR) && $(ASAN_ENV) $(CTEST) -LE "stress|fuzz"'
	@$(MAKE) --no-print-directory test-tsan

# The TSan build running the unit tests and the storage concurrency stress test (part of `make
# test`). Suppressions, each with its reason: tests/unit/tsan.supp.
test-tsan: deps
	@bash scripts/timed.sh "tsan: build" $(MAKE) --no-print-directory build-tsan
	@bash scripts/timed.sh "tsan: unit + stress" sh -c 'cd $(TSAN_BUILD_DIR) && $(TSAN_ENV) $(CTEST) -L "unit|stress"'

# The plain build's tests (unit, docs, integration) and short libFuzzer runs of every target.
test-plain: build fuzz-build
	@bash scripts/timed.sh "plain: unit + fuzz + integration" sh -c 'cd $(BUILD_DIR) && $(CTEST) -LE stress'

# Not run by CI: the stress test for LONG_STRESS_SECONDS under TSan and under ASan+UBSan, then
# every fuzz target for LONG_FUZZ_SECONDS.
STRESS_BIN = tests/unit/stress/samsa_stress_tests
test-long: build-tsan build-asan fuzz-build
	@bash scripts/timed.sh "tsan: stress $(LONG_STRESS_SECONDS)s" env SAMSA_STRESS_SECONDS=$(LONG_STRESS_SECONDS) $(TSAN_ENV) $(TSAN_BUILD_DIR)/$(STRESS_BIN)
	@bash scripts/timed.sh "asan+ubsan: stress $(LONG_STRESS_SECONDS)s" env SAMSA_STRESS_SECONDS=$(LONG_STRESS_SECONDS) $(ASAN_ENV) $(ASAN_BUILD_DIR)/$(STRESS_BIN)
	@bash scripts/timed.sh "fuzz: $(LONG_FUZZ_SECONDS)s per target" env SAMSA_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD_DIR) bash fuzz/run.sh all -max_total_time=$(LONG_FUZZ_SECONDS)

# libFuzzer build (clang, ASan+UBSan) of the targets in fuzz/.
fuzz-build: deps
	@SAMSA_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD_DIR) JOBS=$(JOBS) bash fuzz/run.sh build

# Runs every fuzz target for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600).
fuzz: fuzz-build
	@SAMSA_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD_DIR) bash fuzz/run.sh all -max_total_time=$(FUZZ_SECONDS)

bench: build
	@bash bench/run.sh $(BUILD_DIR)
	@bash bench/metrics_scrape.sh $(BUILD_DIR)
	@bash bench/datapath.sh $(BUILD_DIR)
	@bash bench/security.sh $(BUILD_DIR)

# samsa_<version>_amd64.deb in this directory (packaging/), from a plain build of its own without
# the tests: the compile flags of build/ (RelWithDebInfo, so ccache serves it; CPack strips the
# binaries) and -z now at link time (lintian's bindnow; costs no recompile). Fails on lintian
# errors.
DEB_CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSA_TESTS=OFF \
                  "-DCMAKE_EXE_LINKER_FLAGS=-Wl,-z,now" "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-z,now"
deb: deps
	@if [ ! -f $(DEB_BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(DEB_BUILD_DIR) -G Ninja $(DEB_CMAKE_FLAGS); fi
	@ninja -C $(DEB_BUILD_DIR) -j $(JOBS)
	@rm -rf $(DEB_BUILD_DIR)/package
	@SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  cpack -G DEB --config $(DEB_BUILD_DIR)/CPackConfig.cmake -B $(DEB_BUILD_DIR)/package
	@cp $(DEB_BUILD_DIR)/package/samsa_*_amd64.deb .
	@lintian --fail-on error $(DEB_BUILD_DIR)/package/samsa_*_amd64.deb
	@ls -l samsa_*_amd64.deb

# The package test (tests/integration/test_package.py) on what `make deb` made. `make test` runs
# the same test on a package of its ASan+UBSan build.
deb-test: deb
	@SAMSA_DEB=$$(ls $(DEB_BUILD_DIR)/package/samsa_*_amd64.deb) SAMSA_BUILD_DIR=$(CURDIR)/$(DEB_BUILD_DIR) \
	  /usr/bin/python3 -m pytest -q -c tests/integration/pytest.ini tests/integration/test_package.py

docs: build
	@$(BUILD_DIR)/broker/samsa-broker --print-config-reference > docs/configuration.md

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) $(FUZZ_BUILD_DIR) $(DEB_BUILD_DIR)
