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
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -Ibot -Iworkflows -Ichat -Iadapters -Iadapters/console -Iadapters/email -Idetect -Iweb \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# EXCLUDE lets a developer build while another module is mid-edit: make EXCLUDE='adapters/x/%'
LIB_SRC  := $(filter-out bot/main.c $(EXCLUDE),$(wildcard bot/*.c workflows/*.c chat/*.c adapters/*.c adapters/*/*.c detect/*.c web/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ASAN_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/%)
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps demo test unit asan integration bench clean format

all: $(BUILD)/healer

$(BUILD)/healer: $(BUILD)/obj/bot/main.o $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c $(wildcard bot/*.h workflows/*.h chat/*.h adapters/*.h adapters/*/*.h detect/*.h web/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan-obj/%.o)

$(BUILD)/asan-obj/%.o: %.c $(wildcard bot/*.h workflows/*.h chat/*.h adapters/*.h adapters/*/*.h detect/*.h web/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	@$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -c -o $@ $<

$(BUILD)/asan/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  ASAN    $@"
	@$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -Itests/unit -o $@ $^ $(LDLIBS) -lcmocka

# Analysis benchmark (bench/bench_analysis.py runs it): similar-incident lookup over a seeded store.
$(BUILD)/bench_similar: bench/bench_similar.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# The floor of a Socket Mode ack (bench/bench_slack.py runs it): a bare lws client that only acks.
$(BUILD)/bench_ws_floor: bench/bench_ws_floor.c
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

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
	@$(MAKE) --no-print-directory all unit asan
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
$(BUILD)/bench_prune: bench/bench_prune.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# PNGs of each web UI page (sign-in, list, incident, dashboard, phone width) in
# build/screenshots/, taken by headless Chromium as in the browser tests.
.PHONY: screenshots
screenshots: $(BUILD)/healer
	@$(PYTHON) tests/integration/screenshots.py

# Web UI benchmark (bench/bench_web.py runs it): page renders over 10,000 incidents.
$(BUILD)/bench_web: bench/bench_web.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)
