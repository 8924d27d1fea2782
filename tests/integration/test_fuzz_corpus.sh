#!/usr/bin/env bash
# test_fuzz_corpus.sh — every libFuzzer target replays its committed corpus
# (tests/fuzz/corpus/TARGET/: the minimised inputs of the fuzzing campaign,
# scripts/fuzz-campaign, and regress-* inputs of fixed findings) under ASan,
# UBSan and LeakSanitizer: each input runs once (-runs=0), nothing mutated.
# A crash, a leak, undefined behaviour or an input taking more than 60 s
# (the campaign's limit is 5 s; the margin is for a loaded machine) fails.
# `make check` builds the targets (make fuzz).
. "$(dirname "$0")/../lib.sh"

for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	bin=$TOP/build/fuzz/$t
	dir=$TOP/tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		not_ok "$t: build/fuzz/$t is built (make fuzz)"
		continue
	fi
	if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir")" ]; then
		not_ok "$t: has a corpus in tests/fuzz/corpus/$t"
		continue
	fi
	n=$(find "$dir" -type f | wc -l)
	# 4 MB: the largest input any target takes (signed PDFs).
	"$bin" -runs=0 -max_len=4194304 -timeout=60 -rss_limit_mb=4096 "$dir" >"$T/$t.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'INITED\|Done 0 runs' "$T/$t.log"; then
		ok "$t replays its $n corpus inputs cleanly"
	else
		not_ok "$t replays its $n corpus inputs cleanly (rc $rc)"
		grep -E 'ERROR|runtime error|SUMMARY|ALARM|Test unit written' "$T/$t.log" | head -5 | sed 's/^/# /'
	fi
done
