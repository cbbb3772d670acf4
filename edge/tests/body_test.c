/*
 * body_test.c - bounded body reading: the limit holds whatever
 * Content-Length says (or does not say), reads stop right past it, and
 * short reads, empty bodies and I/O errors are handled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "body.h"

/* A fake socket: `len` bytes of 'x' handed out at most `chunk` at a time,
 * failing with -1 after `fail_after` bytes when that is set. */
typedef struct fake {
	size_t len, pos, chunk, fail_after, max_asked_total;
	int calls;
} fake;

static int fake_read(void *src, void *buf, size_t len)
{
	fake *f = src;
	f->calls++;
	if (f->fail_after && f->pos >= f->fail_after)
		return -1;
	size_t n = f->len - f->pos;
	if (n > len)
		n = len;
	if (n > f->chunk)
		n = f->chunk;
	memset(buf, 'x', n);
	f->pos += n;
	return (int)n;
}

static void test_small_exact(void **state)
{
	fake f = {.len = 100, .chunk = 1000};
	char *out;
	size_t n;

	assert_int_equal(edge_body_read(fake_read, &f, 100, 1000, &out, &n), EDGE_BODY_READ_OK);
	assert_int_equal(n, 100);
	assert_int_equal(out[100], '\0');
	free(out);
}

static void test_chunked_unknown_length(void **state)
{
	fake f = {.len = 100000, .chunk = 777};
	char *out;
	size_t n;

	assert_int_equal(edge_body_read(fake_read, &f, -1, 100000, &out, &n), EDGE_BODY_READ_OK);
	assert_int_equal(n, 100000);
	assert_int_equal(out[n], '\0');
	free(out);
}

static void test_limit_exact_ok(void **state)
{
	fake f = {.len = 65536, .chunk = 4096};
	char *out;
	size_t n;

	assert_int_equal(edge_body_read(fake_read, &f, -1, 65536, &out, &n), EDGE_BODY_READ_OK);
	assert_int_equal(n, 65536);
	free(out);
}

static void test_over_limit_unknown_length(void **state)
{
	fake f = {.len = 10 * 1000 * 1000, .chunk = 4096};
	char *out = (char *)1;
	size_t n = 1;

	assert_int_equal(edge_body_read(fake_read, &f, -1, 65536, &out, &n),
	                 EDGE_BODY_READ_TOO_LARGE);
	assert_null(out);
	assert_int_equal(n, 0);
	/* stopped right after the limit, not at the end of the body */
	assert_true(f.pos <= 65536 + 4096);
}

static void test_declared_too_large(void **state)
{
	fake f = {.len = 10, .chunk = 10};
	char *out;
	size_t n;

	assert_true(edge_body_too_large(65537, 65536));
	assert_false(edge_body_too_large(65536, 65536));
	assert_false(edge_body_too_large(-1, 65536));
	assert_int_equal(edge_body_read(fake_read, &f, 1LL << 40, 65536, &out, &n),
	                 EDGE_BODY_READ_TOO_LARGE);
	assert_int_equal(f.calls, 0); /* refused before reading */
}

static void test_lying_small_length(void **state)
{
	/* declares 10, sends more: the buffer grows, the limit still holds */
	fake f = {.len = 5000, .chunk = 3};
	char *out;
	size_t n;

	assert_int_equal(edge_body_read(fake_read, &f, 10, 100, &out, &n),
	                 EDGE_BODY_READ_TOO_LARGE);
	f = (fake){.len = 50, .chunk = 3};
	assert_int_equal(edge_body_read(fake_read, &f, 10, 100, &out, &n), EDGE_BODY_READ_OK);
	assert_int_equal(n, 50);
	free(out);
}

static void test_empty_and_io(void **state)
{
	fake f = {.len = 0, .chunk = 10};
	char *out;
	size_t n;

	assert_int_equal(edge_body_read(fake_read, &f, 0, 100, &out, &n), EDGE_BODY_READ_OK);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], '\0');
	free(out);
	f = (fake){.len = 1000, .chunk = 10, .fail_after = 500};
	assert_int_equal(edge_body_read(fake_read, &f, 1000, 2000, &out, &n), EDGE_BODY_READ_IO);
	assert_null(out);
	/* declared 1000, only 600 came before the end: incomplete */
	f = (fake){.len = 600, .chunk = 100};
	assert_int_equal(edge_body_read(fake_read, &f, 1000, 2000, &out, &n), EDGE_BODY_READ_IO);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_exact),
	    cmocka_unit_test(test_chunked_unknown_length),
	    cmocka_unit_test(test_limit_exact_ok),
	    cmocka_unit_test(test_over_limit_unknown_length),
	    cmocka_unit_test(test_declared_too_large),
	    cmocka_unit_test(test_lying_small_length),
	    cmocka_unit_test(test_empty_and_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
