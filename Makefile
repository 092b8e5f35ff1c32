# Thin wrapper: every target installs what it needs, configures and builds.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache makes rebuilds (and CI on a machine that built before) fast.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
# The prose command is compiled with a precompiled header (apps/prose/CMakeLists.txt): ccache caches its users only
# with these sloppiness settings.
export CCACHE_SLOPPINESS := pch_defines,time_macros
LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

# Configured at every build (a second or two when nothing changed), so that packages installed since the last
# configure are found: a tree first configured by `make demo` gets its tests on the next `make build`.
CONFIGURE = cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) $(CMAKE_FLAGS)

.PHONY: deps demo-deps build demo wireshark test test-asan bench fuzz format clean package

# Everything: the demo's packages and those of the tests, benchmarks, ASan build, Wireshark plugin and package.
deps:
	@scripts/install-deps --for test

# Only what building and running the demo needs.
demo-deps:
	@scripts/install-deps --for demo

build: deps
	$(CONFIGURE) -DPROSE_REQUIRE_TEST_DEPS=ON
	cmake --build $(BUILD) -j $(JOBS)

# The demo needs only the prose program: its packages, and that target, not the tests and benchmarks (which are
# configured when their packages happen to be there, and left out otherwise).
demo: demo-deps
	$(CONFIGURE) -DPROSE_REQUIRE_TEST_DEPS=OFF
	cmake --build $(BUILD) -j $(JOBS) --target prose
	$(BUILD)/bin/prose demo

# The Wireshark plugin (docs/wireshark.md) into the personal plugin folder, where Wireshark and tshark find it.
# Wireshark run as root loads no personal plugins, so for root it goes into the system's plugin folder instead.
wireshark: build
	@so=$$(ls $(BUILD)/wireshark/plugins/*/epan/prose.so 2>/dev/null | head -n 1); \
	if [ -z "$$so" ]; then echo "make wireshark: no plugin was built (libwireshark-dev missing? run make deps)"; exit 1; fi; \
	abi=$$(basename $$(dirname $$(dirname $$so))); dest=$$HOME/.local/lib/wireshark/plugins/$$abi/epan; \
	if [ "$$(id -u)" -eq 0 ]; then dest=$$(pkg-config --variable=plugindir wireshark)/epan; \
	  echo "make wireshark: running as root, whose Wireshark ignores personal plugins: installing system-wide"; fi; \
	mkdir -p $$dest && install -m 0644 $$so $$dest/prose.so && echo "installed $$dest/prose.so"

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# Unit tests and fuzz smoke runs under ASan+UBSan, built with clang so the libFuzzer targets build too.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug $(LAUNCHER) -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
	  -DPROSE_SANITIZE=ON -DPROSE_FUZZ=ON -DPROSE_BUILD_APPS=OFF -DPROSE_BUILD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|fuzz' --timeout 600

# The Debian package (CPack): build/prose_<version>_<arch>.deb with the program, schemas, docs, example
# configurations and systemd units (docs/install.md).
package: deps
	$(CONFIGURE) -DPROSE_REQUIRE_TEST_DEPS=ON
	cmake --build $(BUILD) -j $(JOBS) --target prose
	cd $(BUILD) && cpack -G DEB

# The long fuzz campaign (docs/reliability.md, "Fuzzing"): every libFuzzer target under ASan+UBSan until 10 million
# executions or 30 CPU minutes; new coverage is merged into fuzz/corpus/. FUZZ_ARGS="--skip-done" resumes.
fuzz: deps
	scripts/fuzz-campaign $(FUZZ_ARGS)

bench: build
	@for b in $(BUILD)/bin/bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
