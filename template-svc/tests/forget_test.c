/*
 * forget_test.c - ForgetUser (issue 18) against a real redis-server: the
 * user's gallery items go, others' stay; reports the user filed stay open
 * for moderators with the reporter anonymised, and resolving one still
 * works; only the user itself or an admin may ask; a second call finds
 * nothing left (a retried erasure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "template.pb-c.h"
#include "tsvc_harness.h"

typedef Inkwell__Template__V1__GalleryItem item_t;

static ink_err forget(const char *caller, const char *role, const char *uid,
                      Inkwell__Template__V1__ForgetUserResponse **out)
{
	Inkwell__Template__V1__ForgetUserRequest req =
	    INKWELL__TEMPLATE__V1__FORGET_USER_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.user_id = (char *)uid;
	ink_err err =
	    harness_call(TSVC_T("ForgetUser"), caller, role, &req.base, &reply, why, sizeof(why));
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__forget_user_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

static char *report_ok(const char *uid, const char *gid)
{
	Inkwell__Template__V1__ReportRequest req = INKWELL__TEMPLATE__V1__REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.gallery_id = (char *)gid;
	req.reason = "copied";
	assert_int_equal(harness_call(TSVC_T("ReportGalleryItem"), uid, NULL, &req.base, &reply,
	                              why, sizeof(why)),
	                 INK_OK);
	Inkwell__Template__V1__Report *r =
	    inkwell__template__v1__report__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(r);
	char *rid = strdup(r->report_id);
	inkwell__template__v1__report__free_unpacked(r, NULL);
	return rid;
}

/* open_reporter writes the reporter name of open report rid ("" when absent). */
static void open_reporter(const char *rid, char *name, size_t len)
{
	Inkwell__Template__V1__ListReportsRequest req =
	    INKWELL__TEMPLATE__V1__LIST_REPORTS_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	name[0] = '\0';
	assert_int_equal(harness_call(TSVC_T("ListReports"), ADMIN, "admin", &req.base, &reply, why,
	                              sizeof(why)),
	                 INK_OK);
	Inkwell__Template__V1__ReportList *l =
	    inkwell__template__v1__report_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(l);
	for (size_t i = 0; i < l->n_items; i++) {
		if (strcmp(l->items[i]->report_id, rid) == 0) {
			snprintf(name, len, "%s", l->items[i]->reporter_name);
			assert_string_not_equal(l->items[i]->reporter_id, ALICE);
		}
	}
	inkwell__template__v1__report_list__free_unpacked(l, NULL);
}

static void test_forget_user(void **state)
{
	Inkwell__Template__V1__ForgetUserResponse *res = NULL;
	char name[64];

	(void)state;
	item_t *a1 = harness_publish_ok(ALICE, "fa:1", "Mine");
	item_t *a2 = harness_publish_ok(ALICE, "fa:2", "Mine too");
	item_t *b = harness_publish_ok(BOB, "fb:1", "Bob's");
	char *rid = report_ok(ALICE, b->gallery_id);

	/* only the user itself or an admin */
	assert_int_equal(forget(BOB, NULL, ALICE, &res), INK_PERMISSION_DENIED);
	assert_int_equal(forget(NULL, NULL, ALICE, &res), INK_UNAUTHENTICATED);
	assert_int_equal(forget(ALICE, NULL, "not-an-id", &res), INK_INVALID_ARGUMENT);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, a1->gallery_id),
	                 INK_OK);

	assert_int_equal(forget(ALICE, NULL, ALICE, &res), INK_OK);
	assert_int_equal(res->items_removed, 2);
	assert_int_equal(res->reports_anonymised, 1);
	inkwell__template__v1__forget_user_response__free_unpacked(res, NULL);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, a1->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, a2->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, b->gallery_id),
	                 INK_OK);
	open_reporter(rid, name, sizeof(name));
	assert_string_equal(name, "[deleted user]");

	/* a retry finds nothing left; an admin may ask too */
	assert_int_equal(forget(ADMIN, "admin", ALICE, &res), INK_OK);
	assert_int_equal(res->items_removed, 0);
	assert_int_equal(res->reports_anonymised, 0);
	inkwell__template__v1__forget_user_response__free_unpacked(res, NULL);

	/* the anonymised report still resolves, and leaves its item's open-reports hash */
	Inkwell__Template__V1__ResolveReportRequest rr =
	    INKWELL__TEMPLATE__V1__RESOLVE_REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];
	rr.report_id = rid;
	rr.action = "dismiss";
	assert_int_equal(harness_call(TSVC_T("ResolveReport"), ADMIN, "admin", &rr.base, &reply,
	                              why, sizeof(why)),
	                 INK_OK);
	free(reply.data);
	assert_int_equal(harness_redis_int("HLEN public:{gallery}:%s:reports", b->gallery_id), 0);

	free(rid);
	inkwell__template__v1__gallery_item__free_unpacked(a1, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(a2, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(b, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_forget_user, harness_flush),
	};
	return cmocka_run_group_tests(tests, harness_start, harness_stop);
}
