# The two commands: `make run` and `make test`. Everything else is a helper for them.
BUILD_DIR ?= build
FUZZ_BUILD_DIR ?= build-fuzz
JOBS ?= $(shell nproc)

.PHONY: run test deps build fuzz bench docs format clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; fi
	@ninja -C $(BUILD_DIR) -j $(JOBS)

# Starts one broker on the embedded defaults: PLAINTEXT://127.0.0.1:9092, data under ./data.
run: build
	@echo "Starting samsa-broker: Kafka listener PLAINTEXT://127.0.0.1:9092, admin HTTP (REST, /metrics) on http://127.0.0.1:8090, data in $(CURDIR)/data (Ctrl-C stops it)"
	@exec $(BUILD_DIR)/broker/samsa-broker

test: build fuzz
	@cd $(BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 900

# libFuzzer build of the request decoder (clang); the test suite runs it for a fixed number of inputs.
fuzz: deps
	@cmake -S fuzz -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
	@ninja -C $(FUZZ_BUILD_DIR)

bench: build
	@bash bench/run.sh $(BUILD_DIR)
	@bash bench/metrics_scrape.sh $(BUILD_DIR)
	@bash bench/datapath.sh $(BUILD_DIR)

docs: build
	@$(BUILD_DIR)/broker/samsa-broker --print-config-reference > docs/configuration.md

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR)
