# healer — build, test, demo and benchmark. See README.md.
CC       ?= cc
PKGS     := libwebsockets libcurl libcjson sqlite3 openssl yaml-0.1
DEB_PKGS := build-essential pkg-config libwebsockets-dev libcurl4-openssl-dev libcjson-dev \
            libsqlite3-dev libssl-dev libyaml-dev libcmocka-dev python3 python3-pytest \
            python3-websockets python3-cryptography openssl clang libclang-rt-14-dev \
            prometheus prometheus-alertmanager python3-botocore python3-aiosmtpd \
            chromium chromium-driver python3-selenium
PYTHON   := /usr/bin/python3
BUILD    := build

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -Ibot -Istore -Iingest -Iworkflows -Ichat -Iadapters -Iadapters/console -Iadapters/email -Idetect -Ilogs -Iweb \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# EXCLUDE lets a developer build while another module is mid-edit: make EXCLUDE='adapters/x/%'
LIB_SRC  := $(filter-out bot/main.c $(EXCLUDE),$(wildcard bot/*.c store/*.c ingest/*.c workflows/*.c chat/*.c adapters/*.c adapters/*/*.c detect/*.c logs/*.c web/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_A    := $(BUILD)/libhealer.a # everything but main(): the daemon, tests and benches link it
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ASAN_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/%)
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps demo test unit asan integration bench clean format

all: $(BUILD)/healer

$(LIB_A): $(LIB_OBJ)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/healer: $(BUILD)/obj/bot/main.o $(LIB_A)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Every object depends on every project header: small enough to be exact without dep files.
HDRS     := $(wildcard bot/*.h store/*.h ingest/*.h workflows/*.h chat/*.h adapters/*.h adapters/*/*.h detect/*.h logs/*.h web/*.h)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LDLIBS) -lcmocka

ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan-obj/%.o)
.SECONDARY: $(ASAN_OBJ) # kept between runs, not intermediates to delete

$(BUILD)/asan-obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	@$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -c -o $@ $<

$(BUILD)/asan/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  ASAN    $@"
	@$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -Itests/unit -o $@ $^ $(LDLIBS) -lcmocka

# Analysis benchmark (bench/bench_analysis.py runs it): similar-incident lookup over a seeded store.
$(BUILD)/bench_similar: bench/bench_similar.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# Log context benchmark (bench/bench_logs.py runs it): log lines templated per second.
$(BUILD)/bench_logtemplate: bench/bench_logtemplate.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# The floor of a Socket Mode ack (bench/bench_slack.py runs it): a bare lws client that only acks.
$(BUILD)/bench_ws_floor: bench/bench_ws_floor.c
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# Detector benchmark (bench/bench_detect.py runs it): cost per point, state per series.
$(BUILD)/bench_detect: bench/bench_detect.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# Installs whatever Debian packages are missing: apt-get as root, else the sudo line to run.
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "missing Debian packages; run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) demo/demo.py

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; CMOCKA_MESSAGE_OUTPUT=stdout $$t; done

asan: $(ASAN_BIN)
	@set -e; for t in $(ASAN_BIN); do echo "== $$t (asan+ubsan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

integration: $(BUILD)/healer
	$(PYTHON) -m pytest -q tests/integration

test: deps
	@$(MAKE) --no-print-directory all unit asan fuzz-replay
	@$(MAKE) --no-print-directory integration

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench_ws_floor
	$(PYTHON) bench/bench.py

format:
	clang-format -i bot/*.[ch] workflows/*.[ch] chat/*.[ch] adapters/*.[ch] adapters/*/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf $(BUILD)

# The Teams app package (manifest with TEAMS_APP_ID, scopes team and personal, commands, two
# icons) to upload in Teams; see README "Microsoft Teams".
.PHONY: teams-app
teams-app:
	@$(PYTHON) adapters/teams/manifest/make_app.py $(BUILD)/teams-app
	@rm -f $(BUILD)/healer-teams.zip
	@cd $(BUILD)/teams-app && if command -v zip >/dev/null 2>&1; then \
		zip -q -X ../healer-teams.zip manifest.json color.png outline.png; \
	else $(PYTHON) -m zipfile -c ../healer-teams.zip manifest.json color.png outline.png; fi
	@echo "  ZIP     $(BUILD)/healer-teams.zip"

# Alert retention benchmark (bench/bench_retention.py runs it): one prune tick's cost.
$(BUILD)/bench_prune: bench/bench_prune.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# ---- fuzzing (docs/internals/fuzzing.md): libFuzzer targets over the project's own objects,
# built with clang and ASan+UBSan into their own tree. httpc.c is replaced by a stub that
# refuses every request, so no fuzz input ever reaches the network.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJ     := $(filter-out $(BUILD)/fuzz-obj/bot/httpc.o,$(LIB_SRC:%.c=$(BUILD)/fuzz-obj/%.o)) \
                $(BUILD)/fuzz-obj/tests/fuzz/box.o $(BUILD)/fuzz-obj/tests/fuzz/stub_httpc.o

$(BUILD)/fuzz-obj/%.o: %.c $(HDRS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(filter-out -O2,$(CFLAGS)) -O1 -g -Itests/fuzz -Iadapters/teams -Iadapters/slack \
		-DFUZZ_DATA=\"$(CURDIR)/tests/data\" -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(filter-out -O2,$(CFLAGS)) -O1 -g -Itests/fuzz -Iadapters/teams -Iadapters/slack \
		-fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-known
.PRECIOUS: $(BUILD)/fuzz-obj/%.o
fuzz-build: $(FUZZ_BIN)

# Each target for FUZZ_SECONDS from its checked-in corpus; new inputs go to build/fuzz-corpus/,
# crashes to build/fuzz-crashes/ (the checked-in corpus is only read).
fuzz: $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run.sh campaign $(BUILD) $(FUZZ_BIN:$(BUILD)/fuzz/fuzz_%=%)

# Every target once over its corpus and reproducers (no new fuzzing), minus known-failing.
fuzz-replay: $(FUZZ_BIN)
	@tests/fuzz/run.sh replay $(BUILD) $(FUZZ_BIN:$(BUILD)/fuzz/fuzz_%=%)

# Which known-failing reproducers pass by now (their line can go).
fuzz-known: $(FUZZ_BIN)
	@tests/fuzz/run.sh known $(BUILD) $(FUZZ_BIN:$(BUILD)/fuzz/fuzz_%=%)


# PNGs of each web UI page (sign-in, list, incident, dashboard, phone width) in
# build/screenshots/, taken by headless Chromium as in the browser tests.
.PHONY: screenshots
screenshots: $(BUILD)/healer
	@$(PYTHON) tests/integration/screenshots.py

# Web UI benchmark (bench/bench_web.py runs it): page renders over 10,000 incidents.
$(BUILD)/bench_web: bench/bench_web.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)
