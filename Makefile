# govmail — build, test and demo.
#   make            build bin/govmailctl (and later bin/govmaild)
#   make check      install missing packages, build, run every test
#   make run        install missing packages, build, start the local demo
#   make install    install programs, man pages, unit, schema, examples (PREFIX, DESTDIR)
#   make deb        build the Debian packages in build/deb/
#   make asan       build the sanitizer (ASan+UBSan) variant used by unit tests

# Debian's programs first: tests, demo and benchmarks use what
# scripts/install-deps installed (python3 above all), not an interpreter a
# user put earlier in PATH (a pyenv shim costs 0.5 s per start on a busy
# machine, and the tests start python3 thousands of times).
export PATH := /usr/sbin:/usr/bin:/sbin:/bin:$(PATH)

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
# Full RELRO (symbols bound at start, the GOT then read-only), as the
# package build has it (debian/rules: hardening=+all).
LDFLAGS  += -Wl,-z,relro -Wl,-z,now

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
# govmaild also needs libetpan (MIME, SMTP client); only its -l flags (see above),
# and qpdf's C API (the revisions of signed PDFs, sign_pdfrev.c).
QPDF_LDLIBS := -lqpdf
DAEMON_LDLIBS := $(LDLIBS) -letpan -lpthread $(QPDF_LDLIBS) -lz
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(ASAN)/tests/%)

PROGS := bin/govmailctl
ASAN_PROGS := $(ASAN)/bin/govmailctl
ifneq ($(DAEMON_SRCS),)
PROGS += bin/govmaild
ASAN_PROGS += $(ASAN)/bin/govmaild
endif
# govmail-apid (the provisioning API): libmicrohttpd (HTTPS via GnuTLS) and
# jansson; it shares govmaild's process chores (daemon.c).
APID_SRCS := $(sort $(wildcard src/govmail-apid/*.c)) src/govmaild/daemon.c
APID_OBJS := $(APID_SRCS:%.c=$(BUILD)/%.o)
ASAN_APID_OBJS := $(APID_SRCS:%.c=$(ASAN)/%.o)
APID_LDLIBS := $(LDLIBS) -lmicrohttpd -ljansson -lpthread -lm
PROGS += bin/govmail-apid
ASAN_PROGS += $(ASAN)/bin/govmail-apid

.PHONY: all deps check unit integration run stop install clean asan fuzz bench bench-provision bench-relay bench-sign bench-scale bench-api \
	install-common install-govmaild install-govmailctl install-govmail-apid deb
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

bin/govmail-apid: $(APID_OBJS) $(BUILD)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(APID_OBJS) $(BUILD)/libgovmail.a $(APID_LDLIBS)

$(ASAN)/bin/govmail-apid: $(ASAN_APID_OBJS) $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $(ASAN_APID_OBJS) $(ASAN)/libgovmail.a $(APID_LDLIBS)

# govmail-apid includes daemon.h; openapi.json is built into it.
$(APID_OBJS) $(ASAN_APID_OBJS): CPPFLAGS += -Isrc/govmaild
$(BUILD)/src/govmail-apid/apid_openapi.o $(ASAN)/src/govmail-apid/apid_openapi.o: \
	src/govmail-apid/openapi.json
$(BUILD)/src/govmail-apid/main.o $(ASAN)/src/govmail-apid/main.o: VERSION

$(ASAN)/tests/%: $(ASAN)/tests/unit/%.o $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(ASAN)/libgovmail.a $(LDLIBS) $(CMOCKA_LDLIBS)

# Unit tests and fuzz targets of govmaild sources that use libetpan.
$(ASAN)/tests/test_mime_check: LDLIBS += -letpan
$(ASAN)/tests/test_sign_check: LDLIBS += -letpan
$(ASAN)/tests/test_message_from: LDLIBS += -letpan
# ... and of those that use qpdf.
$(ASAN)/tests/test_sign_pdfrev: LDLIBS += $(QPDF_LDLIBS) -lpthread -lz
$(ASAN)/tests/test_sign_pdfcost: LDLIBS += -lz
# ... and govmail-apid's pure parts (token buckets, Idempotency-Key table,
# body decoding), with jansson.
APID_UNIT_OBJS := $(addprefix $(ASAN)/src/govmail-apid/,apid_rate.o apid_idem.o apid_json.o)
$(ASAN)/tests/unit/test_apid_limits.o: CPPFLAGS += -Isrc/govmail-apid
$(ASAN)/tests/test_apid_limits: $(APID_UNIT_OBJS)
$(ASAN)/tests/test_apid_limits: LDLIBS += $(APID_UNIT_OBJS) $(ASAN)/libgovmail.a -ljansson -lpthread -lm
$(ASAN)/tests/unit/test_apid_cache.o: CPPFLAGS += -Isrc/govmail-apid
$(ASAN)/tests/test_apid_cache: $(ASAN)/src/govmail-apid/apid_cache.o
$(ASAN)/tests/test_apid_cache: LDLIBS += $(ASAN)/src/govmail-apid/apid_cache.o $(ASAN)/libgovmail.a -lpthread
# ... and of those that inflate (a PDF's /DSS, sign_dss.c).
$(ASAN)/tests/test_sign_revinfo: LDLIBS += -lz

# The programs print the version of VERSION (--version).
$(BUILD)/src/govmailctl/main.o $(BUILD)/src/govmaild/main.o \
$(ASAN)/src/govmailctl/main.o $(ASAN)/src/govmaild/main.o: VERSION

# Test helpers (not installed): small programs the integration tests run
# against the sandbox, e.g. tests/tools/api_authz_probe.c.
# (the drivers of govmaild's modules, below, link those modules and are
# built by their own rules)
DAEMON_TOOL_SRCS := tests/tools/dkim_sign_tool.c tests/tools/dns_lookup_tool.c \
	tests/tools/opendkim_verify.c tests/tools/mail_auth_tool.c
TOOL_SRCS := $(filter-out $(DAEMON_TOOL_SRCS),$(sort $(wildcard tests/tools/*.c)))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(ASAN)/tests/tools/%)
$(ASAN)/tests/tools/%: $(ASAN)/tests/tools/%.o $(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(ASAN)/libgovmail.a $(LDLIBS)

asan: $(UNIT_BINS) $(ASAN_PROGS) $(TOOL_BINS)

# The DKIM signer's test driver (tests/tools/dkim_sign_tool.c): signs a
# message with govmaild's dkim_sign.c the way the end-of-data pipeline does.
DKIM_TOOL_OBJS := $(ASAN)/src/govmaild/dkim_sign.o $(ASAN)/src/govmaild/spool.o
$(ASAN)/tests/dkim_sign_tool: $(ASAN)/tests/tools/dkim_sign_tool.o $(DKIM_TOOL_OBJS) \
		$(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(DKIM_TOOL_OBJS) $(ASAN)/libgovmail.a $(LDLIBS)
asan: $(ASAN)/tests/dkim_sign_tool
# govmaild's resolver (dns_resolve.c) is libunbound; its test driver.
DAEMON_LDLIBS += -lunbound
DNS_TOOL_OBJS := $(ASAN)/src/govmaild/dns_resolve.o
$(ASAN)/tests/dns_lookup_tool: $(ASAN)/tests/tools/dns_lookup_tool.o $(DNS_TOOL_OBJS) \
		$(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(DNS_TOOL_OBJS) $(ASAN)/libgovmail.a -lunbound -lpthread
asan: $(ASAN)/tests/dns_lookup_tool
# The second DKIM verifier of the tests: libopendkim, asking the test's DNS server.
$(ASAN)/tests/opendkim_verify: $(ASAN)/tests/tools/opendkim_verify.o
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< -lopendkim -lresolv
asan: $(ASAN)/tests/opendkim_verify
# Inbound verification (issue #16): SPF with libspf2 and DMARC with
# libopendmarc, both over dns_resolve.c; their test driver.
DAEMON_LDLIBS += -lspf2 -lopendmarc
AUTH_TOOL_OBJS := $(addprefix $(ASAN)/src/govmaild/,spf_check.o dkim_verify.o \
	dmarc_check.o auth_results.o dkim_sign.o dkim_keyrec.o dns_resolve.o spool.o message.o)
$(ASAN)/tests/mail_auth_tool: $(ASAN)/tests/tools/mail_auth_tool.o $(AUTH_TOOL_OBJS) \
		$(ASAN)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(AUTH_TOOL_OBJS) $(ASAN)/libgovmail.a $(LDLIBS) \
		-lspf2 -lopendmarc -lunbound -letpan -lpthread
asan: $(ASAN)/tests/mail_auth_tool

unit: $(UNIT_BINS)
	@tests/run-tests --unit $(UNIT_BINS)

integration: all $(ASAN_PROGS) fuzz
	@tests/run-tests --integration

# libFuzzer targets for parsers of untrusted input:
#   make fuzz && build/fuzz/fuzz_csv -max_total_time=60
#   make fuzz-campaign HOURS=1      (scripts/fuzz-campaign, README "Fuzzing record")
# src/lib is compiled once for all of them (fuzzer-no-link: coverage only;
# libFuzzer's main comes with each target's link).
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	$(PKG_CFLAGS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/%.o)
$(BUILD)/fuzz/src/lib/%.o: src/lib/%.c
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/libgovmail.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libgovmail.a
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
		-o $@ $< $(FUZZ_EXTRA) $(BUILD)/fuzz/libgovmail.a $(LDLIBS)
$(BUILD)/fuzz/fuzz_mime_check: LDLIBS += -letpan
$(BUILD)/fuzz/fuzz_inbound_headers: LDLIBS += -letpan
$(BUILD)/fuzz/fuzz_sign_cms: LDLIBS += -lpthread
$(BUILD)/fuzz/fuzz_sign_check: LDLIBS += -letpan -lpthread $(QPDF_LDLIBS) -lz
$(BUILD)/fuzz/fuzz_sign_revinfo: LDLIBS += -lz
$(BUILD)/fuzz/fuzz_sign_pdfrev: LDLIBS += $(QPDF_LDLIBS) -lz
$(BUILD)/fuzz/fuzz_sign_pdfcost: LDLIBS += -lz
$(BUILD)/fuzz/fuzz_apid_request: tests/fuzz/fuzz_apid_request.c src/govmail-apid/apid_router.c \
	src/govmail-apid/apid_json.c
$(BUILD)/fuzz/fuzz_apid_request: CPPFLAGS += -Isrc/govmail-apid
$(BUILD)/fuzz/fuzz_apid_request: FUZZ_EXTRA = src/govmail-apid/apid_router.c \
	src/govmail-apid/apid_json.c
$(BUILD)/fuzz/fuzz_apid_request: LDLIBS += -ljansson
fuzz: $(FUZZ_BINS)
# Every target in turn for HOURS of wall time (default 1), one process at a
# time; merges into tests/fuzz/corpus/ and prints the record (README).
.PHONY: fuzz-campaign
fuzz-campaign: fuzz
	@FUZZ_HOURS=$(or $(HOURS),1) scripts/fuzz-campaign

# DMARC aggregate reports (issue #16): the history reader of src/lib
# (dmarc_report.c) parses with jansson; `govmailctl dmarc report -o`
# writes gzip with zlib.
LDLIBS += -ljansson
bin/govmailctl $(ASAN)/bin/govmailctl: LDLIBS += -lz
# make bench-auth: govmaild's DKIM signing and inbound verification, each
# next to a bare OpenSSL floor (scripts/bench-auth).
.PHONY: bench-auth
$(BUILD)/bench/dkim_sign_floor: tests/bench/dkim_sign_floor.c tests/bench/dkim_floor.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -lcrypto
$(BUILD)/bench/dkim_verify_floor: tests/bench/dkim_verify_floor.c tests/bench/dkim_floor.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -lcrypto
bench-auth: deps
	@$(MAKE) --no-print-directory bin/govmaild $(BUILD)/bench/dkim_sign_floor \
	    $(BUILD)/bench/dkim_verify_floor
	@scripts/bench-auth

# Benchmarks print figures next to a reference run; they assert nothing.
bench-provision: deps
	@$(MAKE) --no-print-directory bin/govmailctl
	@scripts/bench-provision
# bench-relay: govmaild's relay rate next to direct and proxsmtpd, and with
# DKIM signing on (GOVMAIL_BENCH_SIGN_SESSIONS, default 10; issue #16).
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
# bench-scale: a generated directory of BENCH_SCALE_ACCOUNTS (1,000,000)
# next to 10,300 accounts; see scripts/bench-scale.
# (lookup.c frees a signer with policy.c's policy_signer_clear, whose
# refusal texts are sign_text.c's)
LOOKUP_TIMING_OBJS := $(addprefix $(BUILD)/src/govmaild/,lookup.o policy.o sign_text.o)
$(BUILD)/bench/lookup_timing: tests/bench/lookup_timing.c $(LOOKUP_TIMING_OBJS) $(BUILD)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/govmaild $(CFLAGS) -o $@ $< $(LOOKUP_TIMING_OBJS) \
		$(BUILD)/libgovmail.a $(DAEMON_LDLIBS)
bench-scale: deps
	@$(MAKE) --no-print-directory bin/govmailctl bin/govmaild $(BUILD)/bench/lookup_timing
	@scripts/bench-scale
# bench-api: govmail-apid's GET and creation next to the plain LDAP search
# and govmailctl (issue 14); see scripts/bench-api.
$(BUILD)/bench/api_floor: tests/bench/api_floor.c $(BUILD)/libgovmail.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libgovmail.a $(LDLIBS) -lpthread
bench-api: deps
	@$(MAKE) --no-print-directory bin/govmailctl bin/govmail-apid $(BUILD)/bench/api_floor
	@scripts/bench-api
bench: bench-provision bench-relay bench-sign
# Reliability (issue 17): the no-loss soak (10,000 messages through govmaild
# while the next hop and slapd are restarted; `make soak SOAK_MESSAGES=1000`)
# and slow clients next to normal ones. Figures, key=value lines at the end.
.PHONY: soak bench-slow
SOAK_MESSAGES ?= 10000
soak: deps
	@$(MAKE) --no-print-directory bin/govmailctl bin/govmaild
	@scripts/soak $(SOAK_MESSAGES)
bench-slow: deps
	@$(MAKE) --no-print-directory bin/govmailctl bin/govmaild
	@scripts/bench-slow

# The summary gives the wall time from here (after dependencies are installed).
check: deps
	@export GOVMAIL_CHECK_START=$$(date +%s); \
	$(MAKE) --no-print-directory -j$$(nproc) all asan fuzz && \
	tests/run-tests --unit $(UNIT_BINS) --integration

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo start

stop:
	@scripts/demo stop

# --- install ----------------------------------------------------------------
# Three parts, which are also the three Debian packages (debian/rules runs
# them with PREFIX=/usr into each package): install-common (configuration,
# user, directories, log rotation, schema, examples), install-govmaild and
# install-govmailctl. Files under /etc are installed only where none exists
# yet, so an administrator's edits survive a reinstall. Pieces the tree does
# not have (man pages, completion, the directory set-up script) are skipped.
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
SYSCONFDIR    ?= /etc
UNITDIR       ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
SHAREDIR      := $(DATADIR)/govmail

MAN5          := $(wildcard man/*.5)
MAN8_DAEMON   := $(wildcard man/govmaild.8)
MAN8_APID     := $(wildcard man/govmail-apid.8)
MAN8_CTL      := $(filter-out $(MAN8_DAEMON) $(MAN8_APID),$(wildcard man/*.8))
LDAP_SETUP    := $(wildcard src/govmail-ldap-setup/govmail-ldap-setup)
COMPLETION    := $(wildcard etc/bash-completion/govmailctl)
SCHEMA_FILES  := $(sort $(wildcard ldap-schema/*))
EXAMPLE_FILES := $(sort $(shell find etc/postfix etc/dovecot -type f 2>/dev/null))

# install_etc SRC DEST: an /etc file, unless DEST exists already.
install_etc = if [ -e "$(DESTDIR)$(2)" ]; then echo "keeping $(DESTDIR)$(2)"; \
	else install -D -m 644 $(1) "$(DESTDIR)$(2)"; fi

install: install-common install-govmaild install-govmailctl install-govmail-apid

install-common:
	$(call install_etc,etc/govmail.conf,$(SYSCONFDIR)/govmail/govmail.conf)
	$(call install_etc,etc/logrotate.d/govmail,$(SYSCONFDIR)/logrotate.d/govmail)
	install -D -m 644 etc/sysusers.d/govmail.conf $(DESTDIR)$(SYSUSERSDIR)/govmail.conf
	install -D -m 644 etc/tmpfiles.d/govmail.conf $(DESTDIR)$(TMPFILESDIR)/govmail.conf
	install -d $(DESTDIR)$(SHAREDIR)/ldap-schema $(DESTDIR)$(SHAREDIR)/examples
	install -m 644 $(SCHEMA_FILES) $(DESTDIR)$(SHAREDIR)/ldap-schema/
	install -m 644 etc/govmail.conf $(DESTDIR)$(SHAREDIR)/examples/
	for f in $(EXAMPLE_FILES); do \
		install -D -m 644 $$f $(DESTDIR)$(SHAREDIR)/examples/$${f#etc/} || exit 1; done
ifneq ($(MAN5),)
	install -d $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
endif

install-govmaild: bin/govmaild
	install -D -m 755 bin/govmaild $(DESTDIR)$(SBINDIR)/govmaild
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/systemd/govmaild.service.in \
		> $(DESTDIR)$(UNITDIR)/govmaild.service
	chmod 644 $(DESTDIR)$(UNITDIR)/govmaild.service
	$(call install_etc,etc/rsyslog.d/49-govmaild.conf,$(SYSCONFDIR)/rsyslog.d/49-govmaild.conf)
ifneq ($(MAN8_DAEMON),)
	install -D -m 644 $(MAN8_DAEMON) $(DESTDIR)$(MANDIR)/man8/govmaild.8
endif

# govmail-apid: the provisioning API (its own package; the audit log must be
# writable by apid.user, group govmail).
install-govmail-apid: bin/govmail-apid
	install -D -m 755 bin/govmail-apid $(DESTDIR)$(SBINDIR)/govmail-apid
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/systemd/govmail-apid.service.in \
		> $(DESTDIR)$(UNITDIR)/govmail-apid.service
	chmod 644 $(DESTDIR)$(UNITDIR)/govmail-apid.service
ifneq ($(MAN8_APID),)
	install -D -m 644 $(MAN8_APID) $(DESTDIR)$(MANDIR)/man8/govmail-apid.8
endif
	# the web console's files (apid.console_dir), no dot files
	for f in $$(cd console && find . -type f ! -name '.*' | sort); do \
		install -D -m 644 "console/$$f" "$(DESTDIR)$(DATADIR)/govmail/console/$$f"; done

install-govmailctl: bin/govmailctl
	install -D -m 755 bin/govmailctl $(DESTDIR)$(BINDIR)/govmailctl
ifneq ($(LDAP_SETUP),)
	install -d $(DESTDIR)$(SBINDIR)
	sed 's|^VERSION=@VERSION@$$|VERSION=$(VERSION)|' $(LDAP_SETUP) \
		>$(DESTDIR)$(SBINDIR)/govmail-ldap-setup
	chmod 755 $(DESTDIR)$(SBINDIR)/govmail-ldap-setup
endif
ifneq ($(COMPLETION),)
	install -D -m 644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/govmailctl
endif
ifneq ($(MAN8_CTL),)
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(MAN8_CTL) $(DESTDIR)$(MANDIR)/man8/
endif

# --- Debian packages ----------------------------------------------------------
# make deb: dpkg-buildpackage -us -uc -b on a copy of the tree in build/deb/
# (the .debs land in build/deb/; nothing is written outside the tree). The
# copy is the files git knows (tracked, or new and not ignored); it is made
# again only when one of them changed. The copy reads the list from git, not
# from a command line: thousands of corpus files would overflow it.
DEB_DIR   := $(BUILD)/deb
ifneq ($(filter $(DEB_DIR)/stamp,$(MAKECMDGOALS)),)
DEB_FILES := $(wildcard $(shell git ls-files -co --exclude-standard 2>/dev/null))
endif

deb: deps
	@$(MAKE) --no-print-directory $(DEB_DIR)/stamp

$(DEB_DIR)/stamp: $(DEB_FILES)
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
		{ echo "make deb: needs a git checkout" >&2; exit 1; }
	@v=$$(dpkg-parsechangelog -S Version); test "$${v%-*}" = "$(VERSION)" || { \
		echo "make deb: debian/changelog is at $$v but VERSION is $(VERSION)" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/govmail-$(VERSION)
	git ls-files -co --exclude-standard -z | python3 -c 'import os, sys; \
		sys.stdout.buffer.write(b"".join(p + b"\0" for p in \
		sys.stdin.buffer.read().split(b"\0") if p and os.path.lexists(p)))' | \
		tar --null -cf - -T - | tar -xf - -C $(DEB_DIR)/govmail-$(VERSION)
	cd $(DEB_DIR)/govmail-$(VERSION) && dpkg-buildpackage -us -uc -b -J
	touch $@

clean:
	rm -rf $(BUILD) bin

# Dependency files; not those of the package build's copy under build/deb.
-include $(shell find $(BUILD) -path $(DEB_DIR) -prune -o -name '*.d' -type f -print 2>/dev/null)
