/* err.c - names for ink_err values (logs, the probe) and the one filler of "why" out-parameters. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *ink_strerror(ink_err err)
{
	switch (err) {
	case INK_OK:
		return "OK";
	case INK_CANCELLED:
		return "CANCELLED";
	case INK_UNKNOWN:
		return "UNKNOWN";
	case INK_INVALID_ARGUMENT:
		return "INVALID_ARGUMENT";
	case INK_DEADLINE_EXCEEDED:
		return "DEADLINE_EXCEEDED";
	case INK_NOT_FOUND:
		return "NOT_FOUND";
	case INK_ALREADY_EXISTS:
		return "ALREADY_EXISTS";
	case INK_PERMISSION_DENIED:
		return "PERMISSION_DENIED";
	case INK_RESOURCE_EXHAUSTED:
		return "RESOURCE_EXHAUSTED";
	case INK_FAILED_PRECONDITION:
		return "FAILED_PRECONDITION";
	case INK_ABORTED:
		return "ABORTED";
	case INK_OUT_OF_RANGE:
		return "OUT_OF_RANGE";
	case INK_UNIMPLEMENTED:
		return "UNIMPLEMENTED";
	case INK_INTERNAL:
		return "INTERNAL";
	case INK_UNAVAILABLE:
		return "UNAVAILABLE";
	case INK_DATA_LOSS:
		return "DATA_LOSS";
	case INK_UNAUTHENTICATED:
		return "UNAUTHENTICATED";
	case INK_PAYLOAD_TOO_LARGE:
		return "PAYLOAD_TOO_LARGE";
	}
	return "UNKNOWN";
}

void ink_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, why_len, fmt, ap); /* truncation is the contract */
	va_end(ap);
}
