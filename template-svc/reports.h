/*
 * reports.h - moderation of the public gallery: users flag items, admins
 * see the open flags and resolve them (remove the item or dismiss).
 *
 * Handlers answer inkwell.template.v1.Templates methods and return INK_OK
 * after ink_rpc_reply, or the code of ink_rpc_fail: INVALID_ARGUMENT
 * (malformed id, reason, action, limit), NOT_FOUND, UNAUTHENTICATED,
 * PERMISSION_DENIED (not an admin), FAILED_PRECONDITION (already resolved
 * the other way), UNAVAILABLE / INTERNAL (public Redis), RESOURCE_EXHAUSTED.
 */
#ifndef INKWELL_TEMPLATE_SVC_REPORTS_H
#define INKWELL_TEMPLATE_SVC_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"

/* reports_create: ReportRequest -> Report (status "open"); signed-in
 * callers. One open report per reporter and item: reporting again returns
 * the open one unchanged. */
INK_WUR ink_err reports_create(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* reports_list: ListReportsRequest -> ReportList, open reports oldest
 * first; admins only. */
INK_WUR ink_err reports_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* reports_resolve: ResolveReportRequest -> Report; admins only. "remove"
 * deletes the item (as gallery_delete) and marks every open report of it
 * "removed"; "dismiss" marks this report "dismissed". Resolving again the
 * same way returns the report unchanged. */
INK_WUR ink_err reports_resolve(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_TEMPLATE_SVC_REPORTS_H */
