/*
 * err.h - the one status type of Inkwell.
 *
 * Every function that can fail returns an ink_err. Values are gRPC's canonical
 * codes, so the same number travels unchanged inside an RPC Response and the
 * edge maps it to HTTP in exactly one place (edge/status.c). Append only:
 * never renumber, never remove.
 */
#ifndef INKWELL_COMMON_ERR_H
#define INKWELL_COMMON_ERR_H

#include <stddef.h>

/* INK_WUR marks a function whose result must be looked at (curl's
 * WARN_UNUSED_RESULT): every prototype returning a status carries it, so
 * an ignored failure is a compile error under -Werror. A result that is
 * truly irrelevant is discarded with a cast to void and a comment why. */
#if defined(__GNUC__) || defined(__clang__)
#define INK_WUR __attribute__((warn_unused_result))
#else
#define INK_WUR
#endif

typedef enum ink_err {
	INK_OK = 0,
	INK_CANCELLED = 1,
	INK_UNKNOWN = 2,
	INK_INVALID_ARGUMENT = 3,
	INK_DEADLINE_EXCEEDED = 4,
	INK_NOT_FOUND = 5,
	INK_ALREADY_EXISTS = 6,
	INK_PERMISSION_DENIED = 7,
	INK_RESOURCE_EXHAUSTED = 8,
	INK_FAILED_PRECONDITION = 9,
	INK_ABORTED = 10,
	INK_OUT_OF_RANGE = 11,
	INK_UNIMPLEMENTED = 12,
	INK_INTERNAL = 13,
	INK_UNAVAILABLE = 14,
	INK_DATA_LOSS = 15,
	INK_UNAUTHENTICATED = 16,
	/* Inkwell's one extension: the request's payload (an upload, an image's
	 * pixel count) is larger than allowed. gRPC folds this into
	 * RESOURCE_EXHAUSTED, but users must tell "image too big" (413) from
	 * "quota used up" (429). */
	INK_PAYLOAD_TOO_LARGE = 100,
} ink_err;

/* ink_strerror returns a static, human-readable name for err ("NOT_FOUND");
 * never NULL, also for values outside the enum. */
const char *ink_strerror(ink_err err);

/* ink_why writes the printf-style reason of a failure into why (why_len
 * bytes, truncated, always terminated) for a caller that asked for one: a
 * NULL why or a why_len of 0 writes nothing. The one way the `char *why,
 * size_t why_len` out-parameters of common/ are filled. */
void ink_why(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* INKWELL_COMMON_ERR_H */
