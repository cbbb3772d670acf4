/*
 * reports_test.c - moderation against a real redis-server: users report
 * items (one open report per user and item), only admins list and resolve,
 * "remove" takes the item and all its open reports down, "dismiss" keeps
 * it, deleting an item drops its open reports, and malformed ids, reasons
 * and actions are clean errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "template.pb-c.h"
#include "tsvc_harness.h"

typedef Inkwell__Template__V1__GalleryItem item_t;
typedef Inkwell__Template__V1__Report report_t;

static ink_err report(const char *uid, const char *gid, const char *reason, report_t **out)
{
	Inkwell__Template__V1__ReportRequest req = INKWELL__TEMPLATE__V1__REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.gallery_id = (char *)gid;
	req.reason = (char *)reason;
	ink_err err = harness_call(TSVC_T("ReportGalleryItem"), uid, NULL, &req.base, &reply, why,
	                           sizeof(why));
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__report__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

static ink_err list_reports(const char *uid, const char *role,
                            Inkwell__Template__V1__ReportList **out)
{
	Inkwell__Template__V1__ListReportsRequest req =
	    INKWELL__TEMPLATE__V1__LIST_REPORTS_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];
	ink_err err =
	    harness_call(TSVC_T("ListReports"), uid, role, &req.base, &reply, why, sizeof(why));

	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__report_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

static ink_err resolve(const char *uid, const char *role, const char *rid, const char *action,
                       report_t **out)
{
	Inkwell__Template__V1__ResolveReportRequest req =
	    INKWELL__TEMPLATE__V1__RESOLVE_REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.report_id = (char *)rid;
	req.action = (char *)action;
	ink_err err =
	    harness_call(TSVC_T("ResolveReport"), uid, role, &req.base, &reply, why, sizeof(why));
	if (err != INK_OK)
		return err;
	report_t *r = inkwell__template__v1__report__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(r);
	if (out != NULL)
		*out = r;
	else
		inkwell__template__v1__report__free_unpacked(r, NULL);
	return INK_OK;
}

static void test_report_resolve_remove(void **state)
{
	report_t *r1 = NULL, *r2 = NULL, *r1b = NULL, *done = NULL;
	Inkwell__Template__V1__ReportList *list = NULL;

	(void)state;
	item_t *it = harness_publish_ok(ALICE, "rep:1", "Rude");
	item_t *keep = harness_publish_ok(ALICE, "rep:2", "Fine");
	assert_int_equal(report(BOB, it->gallery_id, "offensive", &r1), INK_OK);
	assert_string_equal(r1->status, "open");
	assert_string_equal(r1->reporter_id, BOB);
	assert_string_equal(r1->gallery_id, it->gallery_id);
	assert_string_equal(r1->reason, "offensive");
	assert_int_equal(strlen(r1->report_id), 32);
	/* Reporting again returns the open report. */
	assert_int_equal(report(BOB, it->gallery_id, "still offensive", &r1b), INK_OK);
	assert_string_equal(r1b->report_id, r1->report_id);
	usleep(2000); /* a later millisecond: the queue is oldest first */
	assert_int_equal(report(ADMIN, it->gallery_id, "line one\nline two", &r2), INK_OK);

	/* Non-admins may not see or resolve reports. */
	assert_int_equal(list_reports(BOB, "user", &list), INK_PERMISSION_DENIED);
	assert_int_equal(list_reports(NULL, NULL, &list), INK_UNAUTHENTICATED);
	assert_int_equal(resolve(BOB, "user", r1->report_id, "remove", NULL),
	                 INK_PERMISSION_DENIED);

	assert_int_equal(list_reports(ADMIN, "admin", &list), INK_OK);
	assert_int_equal(list->n_items, 2);
	assert_string_equal(list->items[0]->report_id, r1->report_id); /* oldest first */
	assert_string_equal(list->items[1]->report_id, r2->report_id);
	inkwell__template__v1__report_list__free_unpacked(list, NULL);

	assert_int_equal(resolve(ADMIN, "admin", r1->report_id, "remove", &done), INK_OK);
	assert_string_equal(done->status, "removed");
	assert_string_equal(done->report_id, r1->report_id);
	/* It names the item it removed, for user-svc's library (issue 16). */
	assert_int_equal(done->n_removed, 1);
	assert_string_equal(done->removed[0]->gallery_id, it->gallery_id);
	assert_string_equal(done->removed[0]->publisher_id, ALICE);
	assert_string_equal(done->removed[0]->source_key, "rep:1");
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, keep->gallery_id),
	                 INK_OK);
	/* Every open report of that item is resolved with it. */
	assert_int_equal(list_reports(ADMIN, "admin", &list), INK_OK);
	assert_int_equal(list->n_items, 0);
	inkwell__template__v1__report_list__free_unpacked(list, NULL);
	/* Resolving again the same way is a no-op (it removes nothing); the
	 * other way is refused. */
	report_t *again = NULL;
	assert_int_equal(resolve(ADMIN, "admin", r1->report_id, "remove", &again), INK_OK);
	assert_int_equal(again->n_removed, 0);
	inkwell__template__v1__report__free_unpacked(again, NULL);
	assert_int_equal(resolve(ADMIN, "admin", r2->report_id, "dismiss", NULL), INK_ABORTED);
	/* What moderation removed cannot simply be published again. */
	assert_int_equal(harness_redis_int("EXISTS published:{gallery}:%s", "rep:1"), 1);
	assert_int_equal(harness_publish(ALICE, "rep:1", "Again", NULL), INK_PERMISSION_DENIED);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 1);

	inkwell__template__v1__report__free_unpacked(done, NULL);
	inkwell__template__v1__report__free_unpacked(r1, NULL);
	inkwell__template__v1__report__free_unpacked(r1b, NULL);
	inkwell__template__v1__report__free_unpacked(r2, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(keep, NULL);
}

static void test_report_dismiss_and_errors(void **state)
{
	report_t *r = NULL, *done = NULL, *again = NULL;
	Inkwell__Template__V1__ReportList *list = NULL;
	char long_reason[502];

	(void)state;
	item_t *it = harness_publish_ok(ALICE, "dis:1", "Fine really");
	assert_int_equal(report(BOB, it->gallery_id, "spam?", &r), INK_OK);
	assert_int_equal(resolve(ADMIN, "admin", r->report_id, "dismiss", &done), INK_OK);
	assert_string_equal(done->status, "dismissed");
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_OK);
	assert_int_equal(list_reports(ADMIN, "admin", &list), INK_OK);
	assert_int_equal(list->n_items, 0);
	inkwell__template__v1__report_list__free_unpacked(list, NULL);
	/* After a dismissal the same user may report again: a new report. */
	assert_int_equal(report(BOB, it->gallery_id, "really spam", &again), INK_OK);
	assert_string_not_equal(again->report_id, r->report_id);
	/* Unpublishing the item closes its open reports as removed (kept, not
	 * erased), and a reported item cannot be published straight back. */
	assert_int_equal(harness_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, it->gallery_id),
	                 INK_OK);
	assert_int_equal(harness_redis_int("ZCARD %s", "reports:{gallery}:open"), 0);
	assert_int_equal(resolve(ADMIN, "admin", again->report_id, "remove", NULL), INK_OK);
	assert_int_equal(harness_publish(ALICE, "dis:1", "Fine really", NULL),
	                 INK_PERMISSION_DENIED);

	/* Clean errors. */
	memset(long_reason, 'x', 501);
	long_reason[501] = '\0';
	item_t *other = harness_publish_ok(ALICE, "dis:2", "Other");
	report_t *tmp = NULL;
	assert_int_equal(report(NULL, other->gallery_id, "x", &tmp), INK_UNAUTHENTICATED);
	assert_int_equal(report(BOB, other->gallery_id, "", &tmp), INK_INVALID_ARGUMENT);
	assert_int_equal(report(BOB, other->gallery_id, long_reason, &tmp), INK_INVALID_ARGUMENT);
	long_reason[500] = '\0';
	assert_int_equal(report(BOB, other->gallery_id, long_reason, &tmp), INK_OK);
	inkwell__template__v1__report__free_unpacked(tmp, NULL);
	assert_int_equal(report(BOB, NOID, "x", &tmp), INK_NOT_FOUND);
	assert_int_equal(report(BOB, "nope", "x", &tmp), INK_INVALID_ARGUMENT);
	assert_int_equal(resolve(ADMIN, "admin", "nope", "remove", NULL), INK_INVALID_ARGUMENT);
	assert_int_equal(resolve(ADMIN, "admin", NOID, "remove", NULL), INK_NOT_FOUND);
	assert_int_equal(resolve(ADMIN, "admin", NOID, "delete", NULL), INK_INVALID_ARGUMENT);

	inkwell__template__v1__gallery_item__free_unpacked(other, NULL);
	inkwell__template__v1__report__free_unpacked(r, NULL);
	inkwell__template__v1__report__free_unpacked(done, NULL);
	inkwell__template__v1__report__free_unpacked(again, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
}

/* A publisher withdrawing a reported item takes its page down for every
 * source (no copy of it can go up while reports are dodged), but has no
 * power over other users' live copies: only an admin's removal does. */
static void test_reported_withdrawal_bans_the_page(void **state)
{
	size_t len = 0;
	uint8_t *png = harness_png_seeded(40, 30, 99, &len);
	item_t *mine = NULL, *theirs = NULL;
	report_t *r = NULL;

	(void)state;
	assert_int_equal(harness_publish_png(ALICE, "w:1", "Mine", png, len, &mine), INK_OK);
	assert_int_equal(harness_publish_png(BOB, "w:2", "Copy", png, len, &theirs), INK_OK);
	assert_int_equal(report(BOB, mine->gallery_id, "rude", &r), INK_OK);
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, mine->gallery_id), INK_OK);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, theirs->gallery_id),
	                 INK_OK);
	assert_int_equal(harness_publish_png(ALICE, "w:3", "Again", png, len, NULL),
	                 INK_PERMISSION_DENIED);
	/* The live copy is still published (idempotent by its source). */
	assert_int_equal(harness_publish_png(BOB, "w:2", "Copy", png, len, NULL), INK_OK);
	/* An admin taking the copy down later removes it. */
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", theirs->gallery_id),
	    INK_OK);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 0);
	free(png);
	inkwell__template__v1__report__free_unpacked(r, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(mine, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(theirs, NULL);
}

/* An admin resolving a report with "remove" takes every live copy down. */
static void test_resolve_remove_takes_copies(void **state)
{
	size_t len = 0;
	uint8_t *png = harness_png_seeded(40, 30, 42, &len);
	item_t *a = NULL, *b = NULL;
	report_t *r = NULL;

	(void)state;
	assert_int_equal(harness_publish_png(ALICE, "rc:1", "Bad", png, len, &a), INK_OK);
	assert_int_equal(harness_publish_png(BOB, "rc:2", "Bad copy", png, len, &b), INK_OK);
	assert_int_equal(report(ADMIN, a->gallery_id, "rude", &r), INK_OK);
	assert_int_equal(resolve(ADMIN, "admin", r->report_id, "remove", NULL), INK_OK);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, b->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_publish_png(BOB, "rc:3", "Once more", png, len, NULL),
	                 INK_PERMISSION_DENIED);
	free(png);
	inkwell__template__v1__report__free_unpacked(r, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(a, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(b, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_report_resolve_remove, harness_flush),
	    cmocka_unit_test_setup(test_report_dismiss_and_errors, harness_flush),
	    cmocka_unit_test_setup(test_reported_withdrawal_bans_the_page, harness_flush),
	    cmocka_unit_test_setup(test_resolve_remove_takes_copies, harness_flush),
	};
	return cmocka_run_group_tests(tests, harness_start, harness_stop);
}
