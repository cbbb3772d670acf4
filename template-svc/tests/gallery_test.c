/*
 * gallery_test.c - the public gallery and its moderation against a real
 * redis-server: idempotent publish, newest-first paging with stable cursors,
 * who may delete, the report -> list -> resolve flow, and clean errors for
 * malformed ids, cursors and bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "template.pb-c.h"
#include "tsvc_harness.h"

#define ALICE "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define BOB   "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define ADMIN "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define NOID  "0123456789abcdef0123456789abcdef"

typedef Inkwell__Template__V1__GalleryItem item_t;
typedef Inkwell__Template__V1__Report report_t;

/* publish as uid; returns the code and, on OK, the item (free_unpacked). */
static ink_err publish(const char *uid, const char *source, const char *title, item_t **out)
{
	Inkwell__Template__V1__PublishRequest req = INKWELL__TEMPLATE__V1__PUBLISH_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(40, 30, &len);

	assert_non_null(png);
	req.source_key = (char *)source;
	req.title = (char *)title;
	req.width = 40;
	req.height = 30;
	req.png.data = png;
	req.png.len = len;
	ink_err err =
	    harness_call(TSVC_T("Publish"), uid, NULL, &req.base, &reply, why, sizeof(why));
	free(png);
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

static item_t *publish_ok(const char *uid, const char *source, const char *title)
{
	item_t *it = NULL;

	assert_int_equal(publish(uid, source, title, &it), INK_OK);
	return it;
}

/* call_ref calls a GalleryRef method; *reply owned by the caller on OK. */
static ink_err call_ref(const char *method, const char *uid, const char *role, const char *id,
                        ProtobufCBinaryData *reply)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	char why[256];

	ref.gallery_id = (char *)id;
	return harness_call(method, uid, role, &ref.base, reply, why, sizeof(why));
}

static ink_err call_ref_drop(const char *method, const char *uid, const char *role, const char *id)
{
	ProtobufCBinaryData reply;
	ink_err err = call_ref(method, uid, role, id, &reply);

	free(reply.data);
	return err;
}

static ink_err list_page(int32_t limit, const char *cursor,
                         Inkwell__Template__V1__GalleryList **out)
{
	Inkwell__Template__V1__ListGalleryRequest req =
	    INKWELL__TEMPLATE__V1__LIST_GALLERY_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.limit = limit;
	req.cursor = (char *)cursor;
	ink_err err =
	    harness_call(TSVC_T("ListGallery"), NULL, NULL, &req.base, &reply, why, sizeof(why));
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__gallery_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

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

static void test_publish_twice_one_item(void **state)
{
	(void)state;
	item_t *a = publish_ok(ALICE, ALICE ":t1", "Cat");
	item_t *b = publish_ok(ALICE, ALICE ":t1", "Cat again");

	assert_string_equal(a->gallery_id, b->gallery_id);
	assert_string_equal(b->title, "Cat");
	assert_int_equal(a->published_at_unix_ms, b->published_at_unix_ms);
	assert_string_equal(a->publisher_id, ALICE);
	assert_string_equal(a->publisher_name, ALICE);
	assert_int_equal(a->width, 40);
	assert_int_equal(a->height, 30);
	assert_int_equal(strlen(a->etag), 32);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 1);
	assert_int_equal(harness_redis_int("EXISTS published:{%s}", ALICE ":t1"), 1);
	inkwell__template__v1__gallery_item__free_unpacked(a, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(b, NULL);
}

static void test_publish_refused(void **state)
{
	Inkwell__Template__V1__PublishRequest req = INKWELL__TEMPLATE__V1__PUBLISH_REQUEST__INIT;
	ProtobufCBinaryData reply;
	item_t *it = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(40, 30, &len);

	(void)state;
	assert_int_equal(publish(NULL, "anon:1", "Cat", &it), INK_UNAUTHENTICATED);
	assert_int_equal(publish(ALICE, "", "Cat", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(publish(ALICE, "has space", "Cat", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(publish(ALICE, "k:1", "", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(publish(ALICE, "k:1", "tab\there", &it), INK_INVALID_ARGUMENT);
	req.source_key = "k:2";
	req.title = "Wrong size";
	req.width = 41;
	req.height = 30;
	req.png.data = png;
	req.png.len = len;
	assert_int_equal(
	    harness_call(TSVC_T("Publish"), ALICE, NULL, &req.base, &reply, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	req.width = 40;
	req.png.data = (uint8_t *)"not a png at all, just some text";
	req.png.len = 32;
	assert_int_equal(
	    harness_call(TSVC_T("Publish"), ALICE, NULL, &req.base, &reply, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	free(png);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 0);
	assert_int_equal(harness_redis_int("DBSIZE%s", ""), 0);
}

/* collect pages of `limit` until the end, publishing one more item after
 * the first page; returns how many items were seen, and checks order. */
static size_t page_through(int32_t limit, char seen[][33], size_t max, int insert_after_first)
{
	char cursor[256] = "";
	size_t n = 0;
	int64_t last = INT64_MAX;

	for (int page = 0;; page++) {
		Inkwell__Template__V1__GalleryList *l = NULL;
		assert_int_equal(list_page(limit, cursor, &l), INK_OK);
		assert_true(l->n_items <= (size_t)limit);
		for (size_t i = 0; i < l->n_items; i++) {
			assert_true(l->items[i]->published_at_unix_ms <= last);
			last = l->items[i]->published_at_unix_ms;
			for (size_t j = 0; j < n; j++)
				assert_string_not_equal(seen[j], l->items[i]->gallery_id);
			assert_true(n < max);
			snprintf(seen[n++], 33, "%s", l->items[i]->gallery_id);
		}
		snprintf(cursor, sizeof(cursor), "%s", l->next_cursor);
		inkwell__template__v1__gallery_list__free_unpacked(l, NULL);
		if (page == 0 && insert_after_first)
			inkwell__template__v1__gallery_item__free_unpacked(
			    publish_ok(BOB, "late:1", "Published while paging"), NULL);
		if (cursor[0] == '\0')
			break;
	}
	return n;
}

static void test_list_newest_first_and_paging(void **state)
{
	char ids[7][33], seen[16][33], key[64];
	Inkwell__Template__V1__GalleryList *l = NULL;

	(void)state;
	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "%s:%d", ALICE, i);
		item_t *it = publish_ok(ALICE, key, "Item");
		snprintf(ids[i], sizeof(ids[i]), "%s", it->gallery_id);
		inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
		usleep(2000); /* distinct milliseconds: publication order is list order */
	}
	/* One page with everything: newest first. */
	assert_int_equal(list_page(100, "", &l), INK_OK);
	assert_int_equal(l->n_items, 7);
	assert_string_equal(l->next_cursor, "");
	assert_string_equal(l->items[0]->gallery_id, ids[6]);
	assert_string_equal(l->items[6]->gallery_id, ids[0]);
	inkwell__template__v1__gallery_list__free_unpacked(l, NULL);

	/* Pages of 2 and 3 see every item exactly once, in order, even when a
	 * new item arrives between pages (it is newer: not on later pages). */
	assert_int_equal(page_through(2, seen, 16, 0), 7);
	assert_int_equal(page_through(3, seen, 16, 1), 7);
	assert_int_equal(page_through(1, seen, 16, 0), 8);

	/* Several items of one millisecond page cleanly: force equal scores. */
	assert_int_equal(harness_redis_int("EVAL %s 0",
	                                   "for _, m in ipairs(redis.call('ZRANGE', 'gallery', 0, "
	                                   "-1)) do redis.call('ZADD', 'gallery', 1000, m) "
	                                   "redis.call('HSET', 'public:{' .. m .. '}', "
	                                   "'published_at', 1000) end "
	                                   "return 1"),
	                 1);
	assert_int_equal(page_through(3, seen, 16, 0), 8);
	assert_int_equal(page_through(1, seen, 16, 0), 8);

	/* Malformed limits and cursors. */
	assert_int_equal(list_page(101, "", &l), INK_INVALID_ARGUMENT);
	assert_int_equal(list_page(-1, "", &l), INK_INVALID_ARGUMENT);
	assert_int_equal(list_page(2, "zz", &l), INK_INVALID_ARGUMENT);
	assert_int_equal(list_page(2, "3132333a", &l), INK_INVALID_ARGUMENT); /* "123:" */
	assert_int_equal(list_page(0, "", &l), INK_OK);                       /* default */
	assert_int_equal(l->n_items, 8);
	inkwell__template__v1__gallery_list__free_unpacked(l, NULL);
}

static void test_get_item_and_image(void **state)
{
	ProtobufCBinaryData reply;
	size_t len = 0;
	uint8_t *png = harness_png(40, 30, &len);

	(void)state;
	item_t *it = publish_ok(ALICE, "get:1", "Owl");
	assert_int_equal(call_ref(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id, &reply),
	                 INK_OK);
	item_t *got = inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(got);
	assert_string_equal(got->title, "Owl");
	assert_string_equal(got->publisher_id, ALICE);
	assert_int_equal(got->published_at_unix_ms, it->published_at_unix_ms);

	assert_int_equal(call_ref(TSVC_T("GetGalleryImage"), NULL, NULL, it->gallery_id, &reply),
	                 INK_OK);
	Inkwell__Template__V1__GalleryImage *img =
	    inkwell__template__v1__gallery_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(img);
	assert_int_equal(img->png.len, len);
	assert_memory_equal(img->png.data, png, len);
	assert_string_equal(img->etag, it->etag);

	/* Unknown and malformed ids. */
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, NOID), INK_NOT_FOUND);
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, NOID), INK_NOT_FOUND);
	const char *bad[] = {"",
	                     "xyz",
	                     "0123456789ABCDEF0123456789ABCDEF",
	                     "0123456789abcdef0123456789abcdef0",
	                     "*",
	                     "0123456789abcdef}{"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, bad[i]),
		                 INK_INVALID_ARGUMENT);
		assert_int_equal(call_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, bad[i]),
		                 INK_INVALID_ARGUMENT);
		assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, bad[i]),
		                 INK_INVALID_ARGUMENT);
	}
	free(png);
	inkwell__template__v1__gallery_image__free_unpacked(img, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(got, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
}

static void test_delete_permissions(void **state)
{
	(void)state;
	item_t *it = publish_ok(ALICE, "del:1", "Mine");
	item_t *it2 = publish_ok(ALICE, "del:2", "Also mine");

	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), BOB, NULL, it->gallery_id),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_UNAUTHENTICATED);
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_OK);
	/* An admin may. */
	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", it->gallery_id),
	                 INK_OK);
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", it->gallery_id),
	                 INK_NOT_FOUND);
	/* So may the publisher. */
	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, it2->gallery_id),
	                 INK_OK);
	/* Nothing is left behind, and the source may be published anew. */
	assert_int_equal(harness_redis_int("DBSIZE%s", ""), 0);
	item_t *again = publish_ok(ALICE, "del:1", "Mine");
	assert_string_not_equal(again->gallery_id, it->gallery_id);
	inkwell__template__v1__gallery_item__free_unpacked(again, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it2, NULL);
}

static void test_report_resolve_remove(void **state)
{
	report_t *r1 = NULL, *r2 = NULL, *r1b = NULL, *done = NULL;
	Inkwell__Template__V1__ReportList *list = NULL;

	(void)state;
	item_t *it = publish_ok(ALICE, "rep:1", "Rude");
	item_t *keep = publish_ok(ALICE, "rep:2", "Fine");
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
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, keep->gallery_id),
	                 INK_OK);
	/* Every open report of that item is resolved with it. */
	assert_int_equal(list_reports(ADMIN, "admin", &list), INK_OK);
	assert_int_equal(list->n_items, 0);
	inkwell__template__v1__report_list__free_unpacked(list, NULL);
	/* Resolving again the same way is a no-op; the other way is refused. */
	assert_int_equal(resolve(ADMIN, "admin", r1->report_id, "remove", NULL), INK_OK);
	assert_int_equal(resolve(ADMIN, "admin", r2->report_id, "dismiss", NULL),
	                 INK_FAILED_PRECONDITION);
	assert_int_equal(harness_redis_int("EXISTS published:{%s}", "rep:1"), 0);
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
	item_t *it = publish_ok(ALICE, "dis:1", "Fine really");
	assert_int_equal(report(BOB, it->gallery_id, "spam?", &r), INK_OK);
	assert_int_equal(resolve(ADMIN, "admin", r->report_id, "dismiss", &done), INK_OK);
	assert_string_equal(done->status, "dismissed");
	assert_int_equal(call_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_OK);
	assert_int_equal(list_reports(ADMIN, "admin", &list), INK_OK);
	assert_int_equal(list->n_items, 0);
	inkwell__template__v1__report_list__free_unpacked(list, NULL);
	/* After a dismissal the same user may report again: a new report. */
	assert_int_equal(report(BOB, it->gallery_id, "really spam", &again), INK_OK);
	assert_string_not_equal(again->report_id, r->report_id);
	/* Deleting the item drops its open reports. */
	assert_int_equal(call_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, it->gallery_id),
	                 INK_OK);
	assert_int_equal(harness_redis_int("ZCARD %s", "reports:open"), 0);
	assert_int_equal(resolve(ADMIN, "admin", again->report_id, "remove", NULL), INK_NOT_FOUND);

	/* Clean errors. */
	memset(long_reason, 'x', 501);
	long_reason[501] = '\0';
	item_t *other = publish_ok(ALICE, "dis:2", "Other");
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

static void test_garbage_bodies(void **state)
{
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99};
	const char *methods[] = {
	    TSVC_T("Publish"),         TSVC_T("ListGallery"),       TSVC_T("GetGalleryItem"),
	    TSVC_T("GetGalleryImage"), TSVC_T("DeleteGalleryItem"), TSVC_T("ReportGalleryItem"),
	    TSVC_T("ListReports"),     TSVC_T("ResolveReport"),     TSVC_T("Convert")};
	ProtobufCBinaryData reply;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		assert_int_equal(harness_call_raw(methods[i], ADMIN, "admin", garbage,
		                                  sizeof(garbage), &reply, why, sizeof(why)),
		                 INK_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_publish_twice_one_item, harness_flush),
	    cmocka_unit_test_setup(test_publish_refused, harness_flush),
	    cmocka_unit_test_setup(test_list_newest_first_and_paging, harness_flush),
	    cmocka_unit_test_setup(test_get_item_and_image, harness_flush),
	    cmocka_unit_test_setup(test_delete_permissions, harness_flush),
	    cmocka_unit_test_setup(test_report_resolve_remove, harness_flush),
	    cmocka_unit_test_setup(test_report_dismiss_and_errors, harness_flush),
	    cmocka_unit_test_setup(test_garbage_bodies, harness_flush),
	};
	return cmocka_run_group_tests(tests, harness_start, harness_stop);
}
