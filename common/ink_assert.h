/*
 * ink_assert.h - INK_ASSERT: an invariant of our own code, checked in every
 * build (Redis's serverAssert, not <assert.h>: CMake's release types define
 * NDEBUG, and the CI build is one of them, so assert() would check nothing
 * where it matters). A failed one is our bug: it logs one JSON line and
 * aborts, so the core dump shows where. Never for bad input: input that can
 * be wrong gets an error reply, not an assertion.
 */
#ifndef INKWELL_COMMON_INK_ASSERT_H
#define INKWELL_COMMON_INK_ASSERT_H

/* ink_assert_fail writes {"level":"fatal","msg":"assertion failed",...} with
 * the condition and its place to stderr and aborts. Only INK_ASSERT calls it. */
_Noreturn void ink_assert_fail(const char *cond, const char *file, int line, const char *func);

#define INK_ASSERT(cond) ((cond) ? (void)0 : ink_assert_fail(#cond, __FILE__, __LINE__, __func__))

#endif /* INKWELL_COMMON_INK_ASSERT_H */
