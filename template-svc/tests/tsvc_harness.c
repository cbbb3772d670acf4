/*
 * tsvc_harness.c - a real template-svc for tests (see tsvc_harness.h): the
 * production method table and worker state, a real redis-server, a real
 * REQ/REP round trip. Nothing is mocked.
 */
#include "tsvc_harness.h"

#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "redis.h"
#include "rpc_client.h"
#include "rpc_server.h"
#include "svc.h"

static tsvc_config harness_cfg;
static ink_rpc_server_config harness_rpc;
static char harness_url[64];
static ink_rpc_server *harness_server;
static ink_rpc_client *harness_client;
static ink_redis *harness_redis;

int harness_start(void **state)
{
	char why[256];
	const char *addr = getenv("INK_TEST_REDIS");

	(void)state;
	if (addr == NULL || addr[0] == '\0') {
		fprintf(stderr, "INK_TEST_REDIS is not set: run me through with_redis.sh\n");
		return -1;
	}
	ink_log_init("template-svc-test");
	harness_cfg = (tsvc_config){
	    .listen = harness_url,
	    .redis_addr = addr,
	    .workers = 2,
	    .redis_timeout_ms = 2000,
	    .max_image_bytes = 4 << 20,
	    .max_image_side = 16384,
	    .max_image_pixels = 50000000,
	};
	if (ink_slots_open(1, 2, 100, &harness_cfg.convert_gate) != INK_OK)
		return -1;
	snprintf(harness_url, sizeof(harness_url), "inproc://tsvc-test-%ld", (long)getpid());
	harness_rpc = (ink_rpc_server_config){
	    .service = TSVC_NAME,
	    .listen = harness_url,
	    .workers = 2,
	    .recv_max = 8 << 20,
	    .methods = tsvc_methods,
	    .app = &harness_cfg,
	    .worker_init = tsvc_worker_init,
	    .worker_fini = tsvc_worker_fini,
	};
	if (ink_redis_open(addr, 2000, &harness_redis) != INK_OK ||
	    ink_redis_ping(harness_redis, why, sizeof(why)) != INK_OK)
		return -1;
	if (ink_rpc_server_start(&harness_rpc, &harness_server) != INK_OK)
		return -1;
	if (ink_rpc_client_open_now(TSVC_NAME, harness_url, 8 << 20, &harness_client, why,
	                            sizeof(why)) != INK_OK)
		return -1;
	return 0;
}

int harness_stop(void **state)
{
	(void)state;
	ink_rpc_client_close(harness_client);
	/* Stopping waits for a worker still sending its last reply. */
	ink_rpc_server_stop(harness_server);
	ink_slots_close(harness_cfg.convert_gate);
	ink_redis_close(harness_redis);
	return 0;
}

int harness_flush(void **state)
{
	redisReply *rep = NULL;

	(void)state;
	if (ink_redis_cmd(harness_redis, &rep, NULL, 0, "FLUSHALL") != INK_OK)
		return -1;
	freeReplyObject(rep);
	return 0;
}

long long harness_redis_int(const char *fmt, const char *arg)
{
	redisReply *rep = NULL;

	if (ink_redis_cmd(harness_redis, &rep, NULL, 0, fmt, arg) != INK_OK)
		return -1;
	long long v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
	return v;
}

ink_err harness_call_raw(const char *method, const char *uid, const char *role, const uint8_t *body,
                         size_t len, ProtobufCBinaryData *reply, char *why, size_t why_len)
{
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;

	if (uid != NULL) {
		caller.user_id = (char *)uid;
		caller.username = (char *)uid;
		caller.role = (char *)(role ? role : "user");
	}
	reply->data = NULL;
	reply->len = 0;
	return ink_rpc_call_raw(harness_client, method, uid ? &caller : NULL, 20000, body, len,
	                        reply, why, why_len);
}

ink_err harness_call(const char *method, const char *uid, const char *role,
                     const ProtobufCMessage *msg, ProtobufCBinaryData *reply, char *why,
                     size_t why_len)
{
	uint8_t *body = NULL;
	size_t len = protobuf_c_message_get_packed_size(msg);

	body = malloc(len ? len : 1);
	if (body == NULL)
		return INK_RESOURCE_EXHAUSTED;
	protobuf_c_message_pack(msg, body);
	ink_err err = harness_call_raw(method, uid, role, body, len, reply, why, why_len);
	free(body);
	return err;
}

typedef struct harness_buf {
	uint8_t *data;
	size_t len, cap;
	int failed;
} harness_buf;

static void harness_png_write(png_structp png, png_bytep data, png_size_t n)
{
	harness_buf *b = png_get_io_ptr(png);

	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		uint8_t *p = realloc(b->data, cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void harness_png_flush(png_structp png)
{
	(void)png;
}

uint8_t *harness_png(uint32_t w, uint32_t h, size_t *len)
{
	return harness_png_seeded(w, h, 0, len);
}

uint32_t harness_seed(const char *s)
{
	uint32_t hash = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		hash = (hash ^ (uint8_t)*s) * 16777619u;
	return hash;
}

uint8_t *harness_png_seeded(uint32_t w, uint32_t h, uint32_t seed, size_t *len)
{
	harness_buf b = {0};
	uint8_t *row = malloc(w);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (row == NULL || info == NULL || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		free(b.data);
		return NULL;
	}
	png_set_write_fn(png, &b, harness_png_write, harness_png_flush);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	double cx = w / 2.0, cy = h / 2.0, r = (w < h ? w : h) / 3.0;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
			row[x] = d < r * r && d > (r - 6) * (r - 6) ? 0 : 255;
			if (x > w / 4 && x < w / 3 && y > h / 5 && y < h / 2)
				row[x] = 40; /* a dark block, so there is more than a ring */
			if (y == 0 && x < 32 && (seed >> x & 1))
				row[x] = 128; /* the seed's bits: another page */
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

ink_err harness_publish(const char *uid, const char *source, const char *title,
                        Inkwell__Template__V1__GalleryItem **out)
{
	size_t len = 0;
	uint8_t *png = harness_png_seeded(40, 30, harness_seed(source), &len);

	assert_non_null(png);
	ink_err err = harness_publish_png(uid, source, title, png, len, out);
	free(png);
	return err;
}

ink_err harness_publish_png(const char *uid, const char *source, const char *title,
                            const uint8_t *png, size_t len,
                            Inkwell__Template__V1__GalleryItem **out)
{
	Inkwell__Template__V1__PublishRequest req = INKWELL__TEMPLATE__V1__PUBLISH_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	req.source_key = (char *)source;
	req.title = (char *)title;
	req.width = 40;
	req.height = 30;
	req.png.data = (uint8_t *)png;
	req.png.len = len;
	ink_err err =
	    harness_call(TSVC_T("Publish"), uid, NULL, &req.base, &reply, why, sizeof(why));
	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__GalleryItem *it =
	    inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(it);
	if (out != NULL)
		*out = it;
	else
		inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
	return INK_OK;
}

Inkwell__Template__V1__GalleryItem *harness_publish_ok(const char *uid, const char *source,
                                                       const char *title)
{
	Inkwell__Template__V1__GalleryItem *it = NULL;

	assert_int_equal(harness_publish(uid, source, title, &it), INK_OK);
	return it;
}

ink_err harness_ref(const char *method, const char *uid, const char *role, const char *id,
                    ProtobufCBinaryData *reply)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	char why[256];

	ref.gallery_id = (char *)id;
	return harness_call(method, uid, role, &ref.base, reply, why, sizeof(why));
}

ink_err harness_ref_drop(const char *method, const char *uid, const char *role, const char *id)
{
	ProtobufCBinaryData reply;
	ink_err err = harness_ref(method, uid, role, id, &reply);

	free(reply.data);
	return err;
}
