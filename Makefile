# govmail — build, test and demo.
#   make            build bin/govmailctl (and later bin/govmaild)
#   make check      install missing packages, build, run every test
#   make run        install missing packages, build, start the local demo
#   make install    install programs, schema and example config (PREFIX, DESTDIR)
#   make asan       build the sanitizer (ASan+UBSan) variant used by unit tests

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
BUILD    := build
ASAN     := build/asan

# libetpan's .pc drags Debian build specs into --libs; take only its -l flags.
PKG_LIBS := ldap libconfig openssl libxcrypt
PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
PKG_LDLIBS := $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)
CMOCKA_LDLIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
VERSION  := $(shell cat VERSION)
CPPFLAGS += -Iinclude -D_DEFAULT_SOURCE -D_GNU_SOURCE -DGOVMAIL_VERSION='"$(VERSION)"'
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(PKG_CFLAGS)
ASAN_CFLAGS := -std=c11 $(WARN) -O1 -g -fno-omit-frame-pointer \
            -fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS)
LDLIBS   += $(PKG_LDLIBS)

LIB_SRCS := $(sort $(wildcard src/lib/*.c))
CTL_SRCS := $(sort $(wildcard src/govmailctl/*.c))
DAEMON_SRCS := $(sort $(wildcard src/govmaild/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS := $(CTL_SRCS:%.c=$(BUILD)/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=$(ASAN)/%.o)
ASAN_CTL_OBJS := $(CTL_SRCS:%.c=$(ASAN)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
ASAN_DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(ASAN)/%.o)
# govmaild also needs libetpan (MIME, SMTP client); only its -l flags (see above).
DAEMON_LDLIBS := $(LDLIBS) -letpan -lpthread
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(ASAN)/tests/%)

PROGS := bin/govmailctl
ASAN_PROGS := $(ASAN)/bin/govmailctl
ifneq ($(DAEMON_SRCS),)
PROGS += bin/govmaild
ASAN_PROGS += $(ASAN)/bin/govmaild
endif

.PHONY: all deps check unit integration run stop install clean asan fuzz bench bench-provision bench-relay bench-sign
all: $(PROGS)

deps:
	@scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(ASAN)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ASAN_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libgovmail.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(ASAN)/libgovmail.a: $(ASAN_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

bin/govmailctl: $(CTL_OBJS) $(BUILD)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/libgovmail.a $(LDLIBS)

# Sanitizer build of the CLI, used by the integration tests when ASAN=1.
$(ASAN)/bin/govmailctl: $(ASAN_CTL_OBJS) $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $(ASAN_CTL_OBJS) $(ASAN)/libgovmail.a $(LDLIBS)

bin/govmaild: $(DAEMON_OBJS) $(BUILD)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(BUILD)/libgovmail.a $(DAEMON_LDLIBS)

$(ASAN)/bin/govmaild: $(ASAN_DAEMON_OBJS) $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $(ASAN_DAEMON_OBJS) $(ASAN)/libgovmail.a $(DAEMON_LDLIBS)

$(ASAN)/tests/%: $(ASAN)/tests/unit/%.o $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(ASAN)/libgovmail.a $(LDLIBS) $(CMOCKA_LDLIBS)

# Unit tests and fuzz targets of govmaild sources that use libetpan.
$(ASAN)/tests/test_mime_check: LDLIBS += -letpan
$(ASAN)/tests/test_sign_check: LDLIBS += -letpan

# The programs print the version of VERSION (--version).
$(BUILD)/src/govmailctl/main.o $(BUILD)/src/govmaild/main.o \
$(ASAN)/src/govmailctl/main.o $(ASAN)/src/govmaild/main.o: VERSION

asan: $(UNIT_BINS) $(ASAN_PROGS)

unit: $(UNIT_BINS)
	@tests/run-tests --unit $(UNIT_BINS)

integration: all $(ASAN_PROGS)
	@tests/run-tests --integration

# libFuzzer targets for parsers of untrusted input (not part of check):
#   make fuzz && build/fuzz/fuzz_csv -max_total_time=60
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		$(PKG_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)
$(BUILD)/fuzz/fuzz_mime_check: LDLIBS += -letpan
$(BUILD)/fuzz/fuzz_sign_cms: LDLIBS += -lpthread
$(BUILD)/fuzz/fuzz_sign_check: LDLIBS += -letpan -lpthread
fuzz: $(FUZZ_BINS)

# Benchmarks print figures next to a reference run; they assert nothing.
bench-provision: deps
	@$(MAKE) --no-print-directory bin/govmailctl
	@scripts/bench-provision
bench-relay: deps
	@$(MAKE) --no-print-directory bin/govmailctl bin/govmaild
	@scripts/bench-relay
# The floor of bench-sign: only OpenSSL's CMS_verify on the same samples.
$(BUILD)/bench/sign_floor: tests/bench/sign_floor.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -lcrypto
bench-sign: deps
	@$(MAKE) --no-print-directory bin/govmaild $(BUILD)/bench/sign_floor
	@scripts/bench-sign
bench: bench-provision bench-relay bench-sign

# The summary gives the wall time from here (after dependencies are installed).
check: deps
	@export GOVMAIL_CHECK_START=$$(date +%s); \
	$(MAKE) --no-print-directory -j$$(nproc) all asan && \
	tests/run-tests --unit $(UNIT_BINS) --integration

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo start

stop:
	@scripts/demo stop

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/govmail/ldap-schema \
		$(DESTDIR)$(PREFIX)/share/govmail/examples
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 ldap-schema/govmail.schema ldap-schema/govmail.ldif \
		ldap-schema/govmail-db.ldif.example ldap-schema/README.md \
		$(DESTDIR)$(PREFIX)/share/govmail/ldap-schema/
	install -m 644 etc/govmail.conf $(DESTDIR)$(PREFIX)/share/govmail/examples/
	cp -R etc/postfix etc/dovecot $(DESTDIR)$(PREFIX)/share/govmail/examples/

clean:
	rm -rf $(BUILD) bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
