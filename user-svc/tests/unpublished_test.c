/*
 * unpublished_test.c - a template forgets its gallery item when the item is
 * removed through user-svc (issue 16: no read asks template-svc), and a
 * clear that was lost is repaired when its owner unpublishes that id again
 * or publishes again; reads meanwhile show the recorded id. Both services'
 * real method tables over inproc, a real redis-server.
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

/* make_template creates one of alice's templates into id. */
static void make_template(char id[33])
{
	Inkwell__User__V1__CreateTemplateRequest rq =
	    INKWELL__USER__V1__CREATE_TEMPLATE_REQUEST__INIT;
	Inkwell__User__V1__Template *t = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = usvc_h_png(11, &len);

	assert_non_null(png);
	rq.title = "Fern";
	rq.image.data = png;
	rq.image.len = len;
	assert_int_equal(usvc_h_call(USVC_L("CreateTemplate"), alice, &rq.base,
	                             &inkwell__user__v1__template__descriptor,
	                             (ProtobufCMessage **)&t, why, sizeof(why)),
	                 INK_OK);
	free(png);
	memcpy(id, t->id, 33);
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

/* publish publishes alice's template id; its gallery id into gid. */
static void publish(const char *id, char gid[33])
{
	Inkwell__User__V1__TemplateRef rq = INKWELL__USER__V1__TEMPLATE_REF__INIT;
	Inkwell__User__V1__PublishTemplateResponse *pr = NULL;
	char why[256];

	rq.id = (char *)id;
	assert_int_equal(usvc_h_call(USVC_L("PublishTemplate"), alice, &rq.base,
	                             &inkwell__user__v1__publish_template_response__descriptor,
	                             (ProtobufCMessage **)&pr, why, sizeof(why)),
	                 INK_OK);
	Inkwell__Template__V1__GalleryItem *g =
	    inkwell__template__v1__gallery_item__unpack(NULL, pr->item.len, pr->item.data);
	assert_non_null(g);
	memcpy(gid, g->gallery_id, 33);
	inkwell__template__v1__gallery_item__free_unpacked(g, NULL);
	protobuf_c_message_free_unpacked(&pr->base, NULL);
}

/* recorded is alice's template id's gallery id as GetTemplate reads it
 * (into out: "" when none). */
static void recorded(const char *id, char out[33])
{
	Inkwell__User__V1__TemplateRef rq = INKWELL__USER__V1__TEMPLATE_REF__INIT;
	Inkwell__User__V1__Template *t = NULL;
	char why[256];

	rq.id = (char *)id;
	assert_int_equal(usvc_h_call(USVC_L("GetTemplate"), alice, &rq.base,
	                             &inkwell__user__v1__template__descriptor,
	                             (ProtobufCMessage **)&t, why, sizeof(why)),
	                 INK_OK);
	assert_true(strlen(t->gallery_id) < 33);
	snprintf(out, 33, "%s", t->gallery_id);
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

static ink_err unpublish(const char *gid)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	char why[256];

	ref.gallery_id = (char *)gid;
	return usvc_h_call("inkwell.template.v1.Templates/DeleteGalleryItem", alice, &ref.base,
	                   &inkwell__template__v1__removal__descriptor, NULL, why, sizeof(why));
}

/* lose_clear writes gid back as template id's gallery id: what a clear
 * lost to a crash between the removal and the clear leaves. */
static void lose_clear(const char *id, const char *gid)
{
	char fmt[160];

	snprintf(fmt, sizeof(fmt), "HSET template:{%s}:%%s gallery_id %s", alice, gid);
	assert_int_equal(usvc_h_redis_int(fmt, id), 0);
}

static void test_removal_clears_the_record(void **state)
{
	char id[33], gid[33], now[33];

	(void)state;
	make_template(id);
	publish(id, gid);
	recorded(id, now);
	assert_string_equal(now, gid);
	assert_int_equal(unpublish(gid), INK_OK);
	recorded(id, now);
	assert_string_equal(now, "");
}

static void test_lost_clear_repaired_by_unpublishing_again(void **state)
{
	char id[33], gid[33], now[33];

	(void)state;
	make_template(id);
	publish(id, gid);
	assert_int_equal(unpublish(gid), INK_OK);
	lose_clear(id, gid);
	/* A read does not check: the recorded id shows until repaired. */
	recorded(id, now);
	assert_string_equal(now, gid);
	assert_int_equal(unpublish(gid), INK_NOT_FOUND);
	recorded(id, now);
	assert_string_equal(now, "");
}

static void test_lost_clear_repaired_by_publishing_again(void **state)
{
	char id[33], gid[33], gid2[33], now[33];

	(void)state;
	make_template(id);
	publish(id, gid);
	assert_int_equal(unpublish(gid), INK_OK);
	lose_clear(id, gid);
	publish(id, gid2);
	assert_string_not_equal(gid2, gid);
	recorded(id, now);
	assert_string_equal(now, gid2);
}

static int unpub_setup(void **state)
{
	if (usvc_h_flush(state) != 0)
		return -1;
	return usvc_h_user(alice) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_removal_clears_the_record, unpub_setup),
	    cmocka_unit_test_setup(test_lost_clear_repaired_by_unpublishing_again, unpub_setup),
	    cmocka_unit_test_setup(test_lost_clear_repaired_by_publishing_again, unpub_setup),
	};
	return cmocka_run_group_tests(tests, usvc_h_start, usvc_h_stop);
}
