/*
 * multipart_test.c - the image part of a browser's upload is found exactly;
 * truncated or malformed bodies are refused, never half-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static const char body[] = "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                           "Cat\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"image\"; filename=\"c.png\"\r\n"
                           "Content-Type: image/png\r\n\r\n"
                           "\x89PNG\r\n--Xy not the end\r\n"
                           "--XyZ--\r\n";

static void test_finds_image_part(void **state)
{
	const char *data = NULL, *why = NULL;
	size_t len = 0;
	char type[32];

	(void)state;
	assert_int_equal(edge_multipart_find(CT, body, sizeof(body) - 1, "image", &data, &len, type,
	                                     sizeof(type), &why),
	                 0);
	assert_int_equal(len, strlen("\x89PNG\r\n--Xy not the end"));
	assert_memory_equal(data, "\x89PNG\r\n--Xy not the end", len);
	assert_string_equal(type, "image/png");
	/* "filename=" must not count as name="..." */
	assert_int_equal(edge_multipart_find(CT, body, sizeof(body) - 1, "c.png", &data, &len, type,
	                                     sizeof(type), &why),
	                 -1);
}

static void test_refuses_bad_bodies(void **state)
{
	const char *data = NULL, *why = NULL;
	size_t len = 0;
	char type[32];

	(void)state;
	/* truncated anywhere inside the image part or its closing delimiter */
	for (size_t cut = 60; cut < sizeof(body) - 3; cut += 3) {
		int rc = edge_multipart_find(CT, body, cut, "image", &data, &len, type,
		                             sizeof(type), &why);
		assert_int_equal(rc, -1);
		assert_non_null(why);
	}
	assert_int_equal(edge_multipart_find("multipart/form-data", body, sizeof(body) - 1, "image",
	                                     &data, &len, type, sizeof(type), &why),
	                 -1);
	assert_int_equal(
	    edge_multipart_find(CT, "", 0, "image", &data, &len, type, sizeof(type), &why), -1);
	assert_int_equal(edge_multipart_find(CT, body, sizeof(body) - 1, "photo", &data, &len, type,
	                                     sizeof(type), &why),
	                 -1);
	assert_string_equal(why, "multipart body has no field with the expected name");
}

static void test_boundary_parameter_and_first_delimiter(void **state)
{
	const char *data = NULL, *why = NULL;
	size_t len = 0;
	char type[32];
	char shifted[sizeof(body) + 8];

	(void)state;
	/* only a parameter named exactly "boundary" counts */
	assert_int_equal(edge_multipart_find("multipart/form-data; xboundary=YY;\tboundary=XyZ",
	                                     body, sizeof(body) - 1, "image", &data, &len, type,
	                                     sizeof(type), &why),
	                 0);
	assert_int_equal(edge_multipart_find("multipart/form-data; xboundary=XyZ", body,
	                                     sizeof(body) - 1, "image", &data, &len, type,
	                                     sizeof(type), &why),
	                 -1);
	/* a preamble line before the first delimiter is fine... */
	memcpy(shifted, "hello\r\n", 7);
	memcpy(shifted + 7, body, sizeof(body));
	assert_int_equal(edge_multipart_find(CT, shifted, sizeof(body) - 1 + 7, "image", &data,
	                                     &len, type, sizeof(type), &why),
	                 0);
	/* ...a delimiter in the middle of a line is not one: the "title" part
	 * after "junk--XyZ" is preamble; the image part after a real one counts */
	memcpy(shifted, "junk", 4);
	memcpy(shifted + 4, body, sizeof(body));
	assert_int_equal(edge_multipart_find(CT, shifted, sizeof(body) - 1 + 4, "title", &data,
	                                     &len, type, sizeof(type), &why),
	                 -1);
	assert_int_equal(edge_multipart_find(CT, body, sizeof(body) - 1, "title", &data, &len, type,
	                                     sizeof(type), &why),
	                 0);
	assert_int_equal(edge_multipart_find(CT, shifted, sizeof(body) - 1 + 4, "image", &data,
	                                     &len, type, sizeof(type), &why),
	                 0);
}

static void test_quoted_boundary(void **state)
{
	const char b2[] =
	    "--a b\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nXY\r\n--a b--";
	const char *data = NULL, *why = NULL;
	size_t len = 0;
	char type[32];

	(void)state;
	assert_int_equal(edge_multipart_find("multipart/form-data; boundary=\"a b\"", b2,
	                                     sizeof(b2) - 1, "image", &data, &len, type,
	                                     sizeof(type), &why),
	                 0);
	assert_int_equal(len, 2);
	assert_string_equal(type, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finds_image_part),
	    cmocka_unit_test(test_refuses_bad_bodies),
	    cmocka_unit_test(test_boundary_parameter_and_first_delimiter),
	    cmocka_unit_test(test_quoted_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
