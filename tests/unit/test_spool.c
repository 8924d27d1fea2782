/*
 * test_spool.c — the message buffer (spool.c): a message past the memory
 * bound moves to a file and is written through the write buffer in
 * pieces of any size; reading and mapping it give back every byte, also
 * right after a write the buffer still holds, and a reset starts over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/govmaild/spool.c"

static void
test_file_roundtrip(void **state)
{
	size_t total = 700 * 1024 + 17, off = 0, len = 0, k = 0;
	static const size_t pieces[] = { 1, 4096, 77, 65535, 65536, 200000, 3 };
	unsigned char *want = malloc(total), *got = malloc(total);
	struct spool *s = spool_new(100 * 1024, "/tmp");
	const char *map;
	size_t i;

	(void)state;
	assert_non_null(want);
	assert_non_null(got);
	for (i = 0; i < total; i++)
		want[i] = (unsigned char)(i * 7 + i / 251);
	while (off < total) {
		size_t n = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];

		if (n > total - off)
			n = total - off;
		assert_int_equal(spool_write(s, want + off, n), 0);
		off += n;
		/* read back the last piece at once: it may be in the buffer */
		if (n > 0 && k % 3 == 0) {
			assert_int_equal(spool_read(s, off - n, got, n), (ssize_t)n);
			assert_memory_equal(got, want + off - n, n);
		}
	}
	assert_true(spool_on_disk(s));
	assert_int_equal(spool_size(s), total);
	for (off = 0; off < total; off += (size_t)spool_read(s, off, got + off, total - off))
		;
	assert_memory_equal(got, want, total);
	assert_int_equal(spool_write(s, "tail", 4), 0);
	assert_non_null(map = spool_map(s, &len));
	assert_int_equal(len, total + 4);
	assert_memory_equal(map, want, total);
	assert_memory_equal(map + total, "tail", 4);
	assert_int_equal(map[len], '\0');
	spool_unmap(s, map, len);
	spool_reset(s);
	assert_int_equal(spool_size(s), 0);
	assert_false(spool_on_disk(s));
	assert_int_equal(spool_write(s, "x", 1), 0);
	assert_int_equal(spool_read(s, 0, got, 10), 1);
	spool_free(s);
	free(want);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
