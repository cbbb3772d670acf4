/* ink_assert.c - what a failed INK_ASSERT does (ink_assert.h). It writes with
 * plain stdio rather than log.c: the logger's own state may be what broke. */
#include "ink_assert.h"

#include <stdio.h>
#include <stdlib.h>

/* ink_assert_str writes s as the inside of a JSON string (a C expression may
 * hold quotes and backslashes; the file and function names may not, but cost
 * nothing to treat alike). */
static void ink_assert_str(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', stderr);
		fputc(*s, stderr);
	}
}

_Noreturn void ink_assert_fail(const char *cond, const char *file, int line, const char *func)
{
	fputs("{\"level\":\"fatal\",\"msg\":\"assertion failed\",\"cond\":\"", stderr);
	ink_assert_str(cond);
	fputs("\",\"file\":\"", stderr);
	ink_assert_str(file);
	fprintf(stderr, "\",\"line\":%d,\"func\":\"", line);
	ink_assert_str(func);
	fputs("\"}\n", stderr);
	fflush(stderr);
	abort();
}
