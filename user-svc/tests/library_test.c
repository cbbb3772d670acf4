/*
 * library_test.c - a user's private library through user-svc's real RPC
 * path (converting through a real template-svc): create, pages that follow
 * their cursor and lose nothing, rename under the title rule, publish once
 * (the second time says so), delete, and nobody else's templates; and no
 * store for a user that is gone or being erased (no orphan library keys).
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
#include "user.pb-c.h"
#include "usvc_harness.h"

static const char alice[] = "0123456789abcdef0123456789abcdef";
static const char bob[] = "fedcba9876543210fedcba9876543210";

static ink_err create(const char *uid, const char *title, uint32_t seed, char id[33], char *why)
{
	Inkwell__User__V1__CreateTemplateRequest rq =
	    INKWELL__USER__V1__CREATE_TEMPLATE_REQUEST__INIT;
	Inkwell__User__V1__Template *t = NULL;
	size_t len = 0;
	uint8_t *png = usvc_h_png(seed, &len);

	assert_non_null(png);
	rq.title = (char *)title;
	rq.image.data = png;
	rq.image.len = len;
	ink_err err = usvc_h_call(USVC_L("CreateTemplate"), uid, &rq.base,
	                          &inkwell__user__v1__template__descriptor, (ProtobufCMessage **)&t,
	                          why, 256);
	free(png);
	if (err != INK_OK)
		return err;
	assert_string_equal(t->title, title);
	assert_true(t->width > 0 && t->height > 0);
	memcpy(id, t->id, 33);
	protobuf_c_message_free_unpacked(&t->base, NULL);
	return INK_OK;
}

static ink_err ref_call(const char *method, const char *uid, const char *id,
                        const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out, char *why)
{
	Inkwell__User__V1__TemplateRef rq = INKWELL__USER__V1__TEMPLATE_REF__INIT;

	rq.id = (char *)id;
	return usvc_h_call(method, uid, &rq.base, desc, out, why, 256);
}

static Inkwell__User__V1__TemplateList *list(const char *uid, int limit, const char *cursor)
{
	Inkwell__User__V1__ListTemplatesRequest rq =
	    INKWELL__USER__V1__LIST_TEMPLATES_REQUEST__INIT;
	Inkwell__User__V1__TemplateList *l = NULL;
	char why[256];

	rq.limit = limit;
	rq.cursor = (char *)cursor;
	assert_int_equal(usvc_h_call(USVC_L("ListTemplates"), uid, &rq.base,
	                             &inkwell__user__v1__template_list__descriptor,
	                             (ProtobufCMessage **)&l, why, sizeof(why)),
	                 INK_OK);
	return l;
}

static void test_paging(void **state)
{
	char ids[3][33], why[256], cursor[128] = "";
	const char *titles[] = {"One", "Two", "Three"};
	int seen = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(create(alice, titles[i], (uint32_t)i + 1, ids[i], why), INK_OK);
	/* Newest first, two per page, every template once. */
	for (int page = 0; page < 3; page++) {
		Inkwell__User__V1__TemplateList *l = list(alice, 2, cursor);
		for (size_t i = 0; i < l->n_items; i++, seen++)
			assert_string_equal(l->items[i]->id, ids[2 - seen]);
		snprintf(cursor, sizeof(cursor), "%s", l->next_cursor);
		protobuf_c_message_free_unpacked(&l->base, NULL);
		if (cursor[0] == '\0')
			break;
	}
	assert_int_equal(seen, 3);
	/* Bob's library is his own: empty, and alice's ids are not found. */
	Inkwell__User__V1__TemplateList *l = list(bob, 20, "");
	assert_int_equal(l->n_items, 0);
	protobuf_c_message_free_unpacked(&l->base, NULL);
	assert_int_equal(ref_call(USVC_L("GetTemplate"), bob, ids[0],
	                          &inkwell__user__v1__template__descriptor, NULL, why),
	                 INK_NOT_FOUND);
	/* A cursor we did not make is refused, not read. */
	Inkwell__User__V1__ListTemplatesRequest rq =
	    INKWELL__USER__V1__LIST_TEMPLATES_REQUEST__INIT;
	rq.cursor = "bm90IG91cnM";
	assert_int_equal(usvc_h_call(USVC_L("ListTemplates"), alice, &rq.base,
	                             &inkwell__user__v1__template_list__descriptor, NULL, why,
	                             sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	/* Anonymous callers have no library. */
	assert_int_equal(usvc_h_call(USVC_L("ListTemplates"), NULL, &rq.base,
	                             &inkwell__user__v1__template_list__descriptor, NULL, why,
	                             sizeof(why)),
	                 INK_UNAUTHENTICATED);
}

static void test_rename_and_delete(void **state)
{
	Inkwell__User__V1__RenameTemplateRequest rn =
	    INKWELL__USER__V1__RENAME_TEMPLATE_REQUEST__INIT;
	Inkwell__User__V1__Template *t = NULL;
	char id[33], why[256];

	(void)state;
	assert_int_equal(create(alice, "Rose", 7, id, why), INK_OK);
	rn.id = id;
	rn.title = "Red rose";
	assert_int_equal(usvc_h_call(USVC_L("RenameTemplate"), alice, &rn.base,
	                             &inkwell__user__v1__template__descriptor,
	                             (ProtobufCMessage **)&t, why, sizeof(why)),
	                 INK_OK);
	assert_string_equal(t->title, "Red rose");
	protobuf_c_message_free_unpacked(&t->base, NULL);
	/* A title is one line (common/content_rules.h). */
	rn.title = "two\nlines";
	assert_int_equal(usvc_h_call(USVC_L("RenameTemplate"), alice, &rn.base,
	                             &inkwell__user__v1__template__descriptor, NULL, why,
	                             sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	/* Bob can neither rename nor delete it. */
	rn.title = "Mine now";
	assert_int_equal(usvc_h_call(USVC_L("RenameTemplate"), bob, &rn.base,
	                             &inkwell__user__v1__template__descriptor, NULL, why,
	                             sizeof(why)),
	                 INK_NOT_FOUND);
	assert_int_equal(ref_call(USVC_L("DeleteTemplate"), bob, id,
	                          &inkwell__user__v1__empty__descriptor, NULL, why),
	                 INK_NOT_FOUND);
	assert_int_equal(ref_call(USVC_L("DeleteTemplate"), alice, id,
	                          &inkwell__user__v1__empty__descriptor, NULL, why),
	                 INK_OK);
	assert_int_equal(ref_call(USVC_L("GetTemplate"), alice, id,
	                          &inkwell__user__v1__template__descriptor, NULL, why),
	                 INK_NOT_FOUND);
	assert_int_equal(ref_call(USVC_L("DeleteTemplate"), alice, id,
	                          &inkwell__user__v1__empty__descriptor, NULL, why),
	                 INK_NOT_FOUND);
	Inkwell__User__V1__TemplateList *l = list(alice, 20, "");
	assert_int_equal(l->n_items, 0);
	protobuf_c_message_free_unpacked(&l->base, NULL);
}

static void test_publish(void **state)
{
	Inkwell__User__V1__PublishTemplateResponse *pr = NULL;
	Inkwell__User__V1__Template *t = NULL;
	char id[33], gid[33], why[256];

	(void)state;
	assert_int_equal(create(alice, "Tulip", 9, id, why), INK_OK);
	assert_int_equal(ref_call(USVC_L("PublishTemplate"), alice, id,
	                          &inkwell__user__v1__publish_template_response__descriptor,
	                          (ProtobufCMessage **)&pr, why),
	                 INK_OK);
	assert_false(pr->already_published);
	Inkwell__Template__V1__GalleryItem *g =
	    inkwell__template__v1__gallery_item__unpack(NULL, pr->item.len, pr->item.data);
	assert_non_null(g);
	assert_string_equal(g->title, "Tulip");
	memcpy(gid, g->gallery_id, 33);
	inkwell__template__v1__gallery_item__free_unpacked(g, NULL);
	protobuf_c_message_free_unpacked(&pr->base, NULL);
	/* The template now names its gallery item. */
	assert_int_equal(ref_call(USVC_L("GetTemplate"), alice, id,
	                          &inkwell__user__v1__template__descriptor, (ProtobufCMessage **)&t,
	                          why),
	                 INK_OK);
	assert_string_equal(t->gallery_id, gid);
	protobuf_c_message_free_unpacked(&t->base, NULL);
	/* Again: the same item, and it says so. */
	assert_int_equal(ref_call(USVC_L("PublishTemplate"), alice, id,
	                          &inkwell__user__v1__publish_template_response__descriptor,
	                          (ProtobufCMessage **)&pr, why),
	                 INK_OK);
	assert_true(pr->already_published);
	protobuf_c_message_free_unpacked(&pr->base, NULL);
	/* Nobody publishes another's template. */
	assert_int_equal(ref_call(USVC_L("PublishTemplate"), bob, id,
	                          &inkwell__user__v1__publish_template_response__descriptor, NULL,
	                          why),
	                 INK_NOT_FOUND);
}

/* A create authenticated before its account's erasure began may reach the
 * store after the mark, or after the erasure ended: refused, nothing kept. */
static void test_no_store_for_erased_user(void **state)
{
	char id[33], why[256];

	(void)state;
	assert_int_equal(usvc_h_redis_int("HSET user:{%s} erasing 1", alice), 1);
	assert_int_equal(create(alice, "Late", 3, id, why), INK_UNAUTHENTICATED);
	assert_int_equal(usvc_h_redis_int("DEL user:{%s}", alice), 1);
	assert_int_equal(create(alice, "Later", 4, id, why), INK_UNAUTHENTICATED);
	assert_int_equal(usvc_h_redis_int("EXISTS user:{%s}:templates", alice), 0);
	assert_int_equal(usvc_h_redis_int("DBSIZE%s", ""), 1); /* bob's user hash only */
	/* bob, alive, still stores */
	assert_int_equal(create(bob, "Fine", 5, id, why), INK_OK);
}

/* lib_setup: an empty Redis with alice and bob registered. */
static int lib_setup(void **state)
{
	if (usvc_h_flush(state) != 0)
		return -1;
	return usvc_h_user(alice) == 0 && usvc_h_user(bob) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_paging, lib_setup),
	    cmocka_unit_test_setup(test_rename_and_delete, lib_setup),
	    cmocka_unit_test_setup(test_publish, lib_setup),
	    cmocka_unit_test_setup(test_no_store_for_erased_user, lib_setup),
	};
	return cmocka_run_group_tests(tests, usvc_h_start, usvc_h_stop);
}
