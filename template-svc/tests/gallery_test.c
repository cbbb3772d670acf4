/*
 * gallery_test.c - the public gallery against a real redis-server:
 * idempotent publish (also under concurrent calls), newest-first paging with
 * stable cursors, item and image, who may delete, and clean errors for
 * malformed ids, cursors and bodies. Moderation is in reports_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

#include "rpc_server.h"
#include "svc.h"
#include "template.pb-c.h"
#include "tsvc_harness.h"

typedef Inkwell__Template__V1__GalleryItem item_t;

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

static void test_publish_twice_one_item(void **state)
{
	(void)state;
	item_t *a = harness_publish_ok(ALICE, ALICE ":t1", "Cat");
	item_t *b = harness_publish_ok(ALICE, ALICE ":t1", "Cat again");

	assert_string_equal(a->gallery_id, b->gallery_id);
	assert_string_equal(b->title, "Cat");
	assert_int_equal(a->published_at_unix_ms, b->published_at_unix_ms);
	assert_string_equal(a->publisher_id, ALICE);
	assert_string_equal(a->publisher_name, ALICE);
	assert_int_equal(a->width, 40);
	assert_int_equal(a->height, 30);
	assert_int_equal(strlen(a->etag), 32);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 1);
	assert_int_equal(harness_redis_int("EXISTS published:{gallery}:%s", ALICE ":t1"), 1);
	inkwell__template__v1__gallery_item__free_unpacked(a, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(b, NULL);
}

#define RACERS 8

static void *publish_racer(void *arg)
{
	char *out = arg;
	item_t *it = NULL;

	if (harness_publish(ALICE, ALICE ":race", "Race", &it) == INK_OK) {
		snprintf(out, 33, "%s", it->gallery_id);
		inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
	}
	return NULL;
}

/* Concurrent publishes of one source (REQ resends, double clicks) make one
 * item: the check and the creation are one script. */
static void test_publish_concurrent_one_item(void **state)
{
	pthread_t t[RACERS];
	char ids[RACERS][33];

	(void)state;
	memset(ids, 0, sizeof(ids));
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, publish_racer, ids[i]), 0);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(strlen(ids[i]), 32);
		assert_string_equal(ids[i], ids[0]);
	}
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 1);
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
	assert_int_equal(harness_publish(NULL, "anon:1", "Cat", &it), INK_UNAUTHENTICATED);
	assert_int_equal(harness_publish(ALICE, "", "Cat", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(harness_publish(ALICE, "has space", "Cat", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(harness_publish(ALICE, "k:1", "", &it), INK_INVALID_ARGUMENT);
	assert_int_equal(harness_publish(ALICE, "k:1", "tab\there", &it), INK_INVALID_ARGUMENT);
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
			    harness_publish_ok(BOB, "late:1", "Published while paging"), NULL);
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
		item_t *it = harness_publish_ok(ALICE, key, "Item");
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
	                                   "redis.call('HSET', 'public:{gallery}:' .. m, "
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
	uint8_t *png = harness_png_seeded(40, 30, harness_seed("get:1"), &len);

	(void)state;
	item_t *it = harness_publish_ok(ALICE, "get:1", "Owl");
	assert_int_equal(harness_ref(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id, &reply),
	                 INK_OK);
	item_t *got = inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(got);
	assert_string_equal(got->title, "Owl");
	assert_string_equal(got->publisher_id, ALICE);
	assert_int_equal(got->published_at_unix_ms, it->published_at_unix_ms);

	assert_int_equal(harness_ref(TSVC_T("GetGalleryImage"), NULL, NULL, it->gallery_id, &reply),
	                 INK_OK);
	Inkwell__Template__V1__GalleryImage *img =
	    inkwell__template__v1__gallery_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(img);
	assert_int_equal(img->png.len, len);
	assert_memory_equal(img->png.data, png, len);
	assert_string_equal(img->etag, it->etag);

	/* Unknown and malformed ids. */
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, NOID),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, NOID),
	                 INK_NOT_FOUND);
	const char *bad[] = {"",
	                     "xyz",
	                     "0123456789ABCDEF0123456789ABCDEF",
	                     "0123456789abcdef0123456789abcdef0",
	                     "*",
	                     "0123456789abcdef}{"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, bad[i]),
		                 INK_INVALID_ARGUMENT);
		assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, bad[i]),
		                 INK_INVALID_ARGUMENT);
		assert_int_equal(harness_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, bad[i]),
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
	item_t *it = harness_publish_ok(ALICE, "del:1", "Mine");
	item_t *it2 = harness_publish_ok(ALICE, "del:2", "Also mine");

	assert_int_equal(harness_ref_drop(TSVC_T("DeleteGalleryItem"), BOB, NULL, it->gallery_id),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(harness_ref_drop(TSVC_T("DeleteGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_UNAUTHENTICATED);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_OK);
	/* An admin may. */
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", it->gallery_id), INK_OK);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryImage"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", it->gallery_id),
	    INK_NOT_FOUND);
	/* So may the publisher. */
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, it2->gallery_id), INK_OK);
	/* Nothing is left behind but the tombstone and the fingerprint of what
	 * the admin took down: that source cannot come back; the one its
	 * publisher withdrew can. */
	assert_int_equal(harness_redis_int("DBSIZE%s", ""), 2);
	assert_int_equal(harness_redis_int("EXISTS published:{gallery}:%s", "del:1"), 1);
	assert_int_equal(harness_publish(ALICE, "del:1", "Mine", NULL), INK_PERMISSION_DENIED);
	item_t *again = harness_publish_ok(ALICE, "del:2", "Also mine");
	assert_string_not_equal(again->gallery_id, it2->gallery_id);
	inkwell__template__v1__gallery_item__free_unpacked(again, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(it2, NULL);
}

/* assert_removed checks that a Removal (packed in reply, freed here) names
 * exactly the items a and b, with their publishers and sources (issue 16:
 * user-svc clears its library records from it). */
static void assert_removed(ProtobufCBinaryData reply, const item_t *a, const item_t *b)
{
	Inkwell__Template__V1__Removal *m =
	    inkwell__template__v1__removal__unpack(NULL, reply.len, reply.data);

	free(reply.data);
	assert_non_null(m);
	assert_int_equal(m->n_removed, 2);
	for (size_t i = 0; i < 2; i++) {
		const Inkwell__Template__V1__RemovedItem *r = m->removed[i];
		const item_t *it = strcmp(r->gallery_id, a->gallery_id) == 0 ? a : b;
		char source[80];
		snprintf(source, sizeof(source), "%s:%s", it->publisher_id, it == a ? "t" : "c");
		assert_string_equal(r->gallery_id, it->gallery_id);
		assert_string_equal(r->publisher_id, it->publisher_id);
		assert_string_equal(r->source_key, source);
	}
	assert_string_not_equal(m->removed[0]->gallery_id, m->removed[1]->gallery_id);
	inkwell__template__v1__removal__free_unpacked(m, NULL);
}

/* A takedown covers every copy of the page: the live ones go with it, and
 * no copy under any source (a saved copy, the photo uploaded again) can be
 * published afterwards. A publisher's own withdrawal bans nothing. */
static void test_takedown_covers_copies(void **state)
{
	size_t len = 0, len2 = 0;
	uint8_t *png = harness_png_seeded(40, 30, 7, &len);
	uint8_t *png2 = harness_png_seeded(40, 30, 8, &len2);
	item_t *orig = NULL, *copy = NULL, *other = NULL, *mine = NULL;

	(void)state;
	assert_int_equal(harness_publish_png(ALICE, ALICE ":t", "Page", png, len, &orig), INK_OK);
	assert_int_equal(harness_publish_png(BOB, BOB ":c", "Saved copy", png, len, &copy), INK_OK);
	assert_int_equal(harness_publish_png(BOB, BOB ":o", "Other", png2, len2, &other), INK_OK);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 3);

	ProtobufCBinaryData reply;
	assert_int_equal(
	    harness_ref(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", orig->gallery_id, &reply),
	    INK_OK);
	assert_removed(reply, orig, copy);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, orig->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, copy->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGalleryItem"), NULL, NULL, other->gallery_id),
	                 INK_OK);
	/* Both sources are tombstoned; a third source of the page is refused. */
	assert_int_equal(harness_publish_png(ALICE, ALICE ":t", "Page", png, len, NULL),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(harness_publish_png(BOB, BOB ":c", "Saved copy", png, len, NULL),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(harness_publish_png(BOB, BOB ":c2", "Copy again", png, len, NULL),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(harness_redis_int("ZCARD %s", "gallery"), 1);

	char sha[2 * crypto_hash_sha256_BYTES + 1], key[128];
	uint8_t digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, png, len);
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
	snprintf(key, sizeof(key), "takedown:{gallery}:%s", sha);
	assert_int_equal(harness_redis_int("EXISTS %s", key), 1);
	snprintf(key, sizeof(key), "copies:{gallery}:%s", sha);
	assert_int_equal(harness_redis_int("EXISTS %s", key), 0);

	/* Withdrawn by its publisher, unreported: no ban, a copy may go up. */
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), BOB, NULL, other->gallery_id), INK_OK);
	assert_int_equal(harness_publish_png(ALICE, ALICE ":o", "Mine now", png2, len2, &mine),
	                 INK_OK);

	/* An item published before fingerprints were kept (no sha256 field)
	 * is still removed cleanly; it bans only its own source. */
	assert_int_equal(harness_redis_int("HDEL public:{gallery}:%s sha256", mine->gallery_id), 1);
	assert_int_equal(
	    harness_ref_drop(TSVC_T("DeleteGalleryItem"), ADMIN, "admin", mine->gallery_id),
	    INK_OK);
	assert_int_equal(harness_publish_png(ALICE, ALICE ":o", "Mine now", png2, len2, NULL),
	                 INK_PERMISSION_DENIED);
	assert_int_equal(harness_publish_png(BOB, BOB ":o2", "Other", png2, len2, NULL), INK_OK);

	free(png);
	free(png2);
	inkwell__template__v1__gallery_item__free_unpacked(orig, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(copy, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(other, NULL);
	inkwell__template__v1__gallery_item__free_unpacked(mine, NULL);
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

/* dispatch_down runs one call through the server path with a worker whose
 * Redis is not there and returns the Response's code. */
static int dispatch_down(const char *method, const ProtobufCMessage *body)
{
	tsvc_config cfg = {.redis_addr = "127.0.0.1:1",
	                   .redis_timeout_ms = 500,
	                   .max_image_bytes = 1 << 20,
	                   .max_image_side = 16384,
	                   .max_image_pixels = 50000000};
	ink_rpc_server_config rpc = {.service = "template-svc",
	                             .listen = "inproc://unused",
	                             .workers = 1,
	                             .recv_max = 1 << 20,
	                             .methods = tsvc_methods,
	                             .app = &cfg};
	Inkwell__Rpc__V1__Request req = INKWELL__RPC__V1__REQUEST__INIT;
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;
	uint8_t body_buf[256], buf[512], *out = NULL;
	size_t out_len = 0;
	void *worker = NULL;

	assert_int_equal(tsvc_worker_init(&cfg, &worker), INK_OK);
	caller.user_id = ALICE;
	caller.username = "alice";
	caller.role = "admin";
	req.method = (char *)method;
	req.caller = &caller;
	req.body.len = protobuf_c_message_pack(body, body_buf);
	req.body.data = body_buf;
	size_t n = inkwell__rpc__v1__request__pack(&req, buf);
	assert_int_equal(ink_rpc_dispatch(&rpc, worker, buf, n, &out, &out_len), INK_OK);
	Inkwell__Rpc__V1__Response *resp = inkwell__rpc__v1__response__unpack(NULL, out_len, out);
	free(out);
	assert_non_null(resp);
	int code = resp->code;
	inkwell__rpc__v1__response__free_unpacked(resp, NULL);
	tsvc_worker_fini(&cfg, worker);
	return code;
}

/* With the public Redis down every gallery call is UNAVAILABLE (the edge's
 * 503), never a crash or a wrong NOT_FOUND. */
static void test_redis_down_unavailable(void **state)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	Inkwell__Template__V1__ListGalleryRequest list =
	    INKWELL__TEMPLATE__V1__LIST_GALLERY_REQUEST__INIT;
	Inkwell__Template__V1__ListReportsRequest reports =
	    INKWELL__TEMPLATE__V1__LIST_REPORTS_REQUEST__INIT;

	(void)state;
	ref.gallery_id = NOID;
	assert_int_equal(dispatch_down(TSVC_T("GetGalleryItem"), &ref.base), INK_UNAVAILABLE);
	assert_int_equal(dispatch_down(TSVC_T("GetGalleryImage"), &ref.base), INK_UNAVAILABLE);
	assert_int_equal(dispatch_down(TSVC_T("DeleteGalleryItem"), &ref.base), INK_UNAVAILABLE);
	assert_int_equal(dispatch_down(TSVC_T("ListGallery"), &list.base), INK_UNAVAILABLE);
	assert_int_equal(dispatch_down(TSVC_T("ListReports"), &reports.base), INK_UNAVAILABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_publish_twice_one_item, harness_flush),
	    cmocka_unit_test_setup(test_publish_concurrent_one_item, harness_flush),
	    cmocka_unit_test_setup(test_publish_refused, harness_flush),
	    cmocka_unit_test_setup(test_list_newest_first_and_paging, harness_flush),
	    cmocka_unit_test_setup(test_get_item_and_image, harness_flush),
	    cmocka_unit_test_setup(test_delete_permissions, harness_flush),
	    cmocka_unit_test_setup(test_takedown_covers_copies, harness_flush),
	    cmocka_unit_test_setup(test_garbage_bodies, harness_flush),
	    cmocka_unit_test(test_redis_down_unavailable),
	};
	return cmocka_run_group_tests(tests, harness_start, harness_stop);
}
