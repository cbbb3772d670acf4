/*
 * page_cache_test.c - the edge's kept library pages: a page is found only
 * under its own key, a new page replaces the one in its slot, a reader's
 * reference outlives the replacement (ASan would see a page freed under a
 * reader), and what is too big to keep is refused rather than cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "page_cache.h"

static edge_page *page(const char *key, const char *version, const char *body)
{
	edge_page *p = edge_page_new(key, version, "next", body, strlen(body));
	assert_non_null(p);
	return p;
}

static void test_found_under_its_key_only(void **state)
{
	edge_page_cache *c = NULL;
	assert_int_equal(edge_page_cache_new(64, &c), INK_OK);
	assert_null(edge_page_cache_get(c, "tokenA 20 "));
	edge_page *p = page("tokenA 20 ", "v1", "{\"items\":[]}");
	edge_page_cache_put(c, p);
	edge_page_release(p);

	edge_page *got = edge_page_cache_get(c, "tokenA 20 ");
	assert_non_null(got);
	assert_string_equal(got->version, "v1");
	assert_string_equal(got->next_cursor, "next");
	assert_int_equal(got->len, strlen("{\"items\":[]}"));
	assert_memory_equal(got->body, "{\"items\":[]}", got->len);
	edge_page_release(got);
	/* another token, limit or cursor is another page */
	assert_null(edge_page_cache_get(c, "tokenB 20 "));
	assert_null(edge_page_cache_get(c, "tokenA 21 "));
	assert_null(edge_page_cache_get(c, "tokenA 20 x"));
	edge_page_cache_free(c);
}

static void test_replaced_page_lives_while_read(void **state)
{
	edge_page_cache *c = NULL;
	assert_int_equal(edge_page_cache_new(1, &c), INK_OK); /* one slot: every put replaces */
	edge_page *a = page("a", "v1", "old");
	edge_page_cache_put(c, a);
	edge_page_release(a);
	edge_page *reading = edge_page_cache_get(c, "a");
	assert_non_null(reading);

	edge_page *b = page("b", "v2", "new");
	edge_page_cache_put(c, b);
	edge_page_release(b);
	assert_null(edge_page_cache_get(c, "a"));
	assert_memory_equal(reading->body, "old", 3); /* still ours */
	edge_page_release(reading);

	edge_page *got = edge_page_cache_get(c, "b");
	assert_non_null(got);
	assert_memory_equal(got->body, "new", 3);
	edge_page_release(got);
	edge_page_cache_free(c);
}

static void test_too_big_is_not_kept(void **state)
{
	char *big = malloc(EDGE_PAGE_BODY_MAX + 2);
	char version[EDGE_PAGE_VERSION_MAX + 2];
	assert_non_null(big);
	memset(big, 'x', EDGE_PAGE_BODY_MAX + 1);
	assert_null(edge_page_new("k", "v", "", big, EDGE_PAGE_BODY_MAX + 1));
	edge_page *p = edge_page_new("k", "v", "", big, EDGE_PAGE_BODY_MAX);
	assert_non_null(p);
	edge_page_release(p);
	memset(version, 'a', sizeof(version) - 1);
	version[sizeof(version) - 1] = '\0';
	assert_null(edge_page_new("k", version, "", "{}", 2));
	free(big);

	edge_page_cache *c = NULL;
	assert_int_equal(edge_page_cache_new(0, &c), INK_INVALID_ARGUMENT);
	assert_null(c);
	/* a cache that is off keeps nothing and finds nothing */
	edge_page_cache_put(NULL, NULL);
	assert_null(edge_page_cache_get(NULL, "k"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_found_under_its_key_only),
	    cmocka_unit_test(test_replaced_page_lives_while_read),
	    cmocka_unit_test(test_too_big_is_not_kept),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
