/*
 * status.h - the one place where an ink_err becomes an HTTP status.
 *
 * Every handler that got an error from an RPC (or from its own checks) asks
 * here, so the same code means the same HTTP status on every route. The table
 * is grpc-gateway's (DESIGN.md), plus Inkwell's INK_PAYLOAD_TOO_LARGE -> 413
 * and FAILED_PRECONDITION -> 422 (an Idempotency-Key reused for another
 * request, as the IETF draft asks).
 * Also the reason phrases and problem-type slugs of the statuses we send, so
 * problem bodies do not depend on civetweb's tables.
 */
#ifndef INKWELL_EDGE_STATUS_H
#define INKWELL_EDGE_STATUS_H

#include "err.h"

/* edge_status_from_err returns the HTTP status for err: 200 for INK_OK, 500
 * for any value it does not know. Pure, never fails. */
int edge_status_from_err(ink_err err);

/* edge_status_title returns the standard reason phrase of an HTTP status
 * ("Not Found"), or "Error" for a status it does not list. Static string. */
const char *edge_status_title(int status);

/* edge_status_slug returns a stable, lowercase slug for a status
 * ("not-found"), used to build problem type URIs; "error" when unlisted.
 * Static string. */
const char *edge_status_slug(int status);

#endif /* INKWELL_EDGE_STATUS_H */
