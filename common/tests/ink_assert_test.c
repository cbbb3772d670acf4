/*
 * ink_assert_test.c - INK_ASSERT checks in this very build (which, like CI's,
 * defines NDEBUG): a false invariant aborts the process with one JSON line
 * naming the condition, a true one does nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ink_assert.h"

static void test_true_passes(void **state)
{
	int x = 2;

	(void)state;
	INK_ASSERT(x == 2);
}

static void test_false_aborts_with_a_json_line(void **state)
{
	int fds[2];
	char line[512] = {0};

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		int three = 3;
		INK_ASSERT(three == 4 && "a \"quoted\" note");
		_exit(0); /* not reached when the assertion works */
	}
	close(fds[1]);
	/* stderr is unbuffered: the line may come in several writes, until EOF. */
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(line) - 1 && (r = read(fds[0], line + n, sizeof(line) - 1 - n)) > 0)
		n += (size_t)r;
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_true(n > 0);
	assert_non_null(strstr(line, "\"msg\":\"assertion failed\""));
	assert_non_null(
	    strstr(line, "\"cond\":\"three == 4 && \\\"a \\\\\\\"quoted\\\\\\\" note\\\"\""));
	assert_non_null(strstr(line, "\"func\":\"test_false_aborts_with_a_json_line\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_true_passes),
	    cmocka_unit_test(test_false_aborts_with_a_json_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
