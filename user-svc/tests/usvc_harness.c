/*
 * usvc_harness.c - see usvc_harness.h. Both services run in this process on
 * inproc addresses with their real method tables; the headers are named by
 * path because both services have an svc.h.
 */
#include "usvc_harness.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../template-svc/svc.h"
#include "../../template-svc/tests/tsvc_harness.h"
#include "../password.h"
#include "../svc.h"
#include "log.h"
#include "rpc_client.h"
#include "rpc_server.h"

/* Test-process state: one harness per test binary. template-svc, its
 * Redis handle and the flush are template-svc's own harness (tsvc_harness.c),
 * started first; user-svc is served on top of it. */
static usvc_app h_app;
static ink_rpc_server_config h_urpc; /* the server keeps a pointer to it */
static char h_turl[64], h_uurl[64];
static ink_rpc_server *h_usrv;
static ink_rpc_client *h_client;

int usvc_h_start(void **state)
{
	char why[256];

	if (sodium_init() < 0 || harness_start(state) != 0)
		return -1;
	ink_log_init("user-svc-test");
	/* tsvc_harness.c serves template-svc at this address. */
	snprintf(h_turl, sizeof(h_turl), "inproc://tsvc-test-%ld", (long)getpid());
	snprintf(h_uurl, sizeof(h_uurl), "inproc://usvc-test-%ld", (long)getpid());
	h_app.cfg = (usvc_config){.listen = h_uurl,
	                          .redis_addr = getenv("INK_TEST_REDIS"),
	                          .template_addr = h_turl,
	                          .workers = 4,
	                          .pwhash_concurrency = 2,
	                          .redis_timeout_ms = 2000,
	                          .rpc_timeout_ms = 20000,
	                          .health_timeout_ms = 1000,
	                          .max_image_bytes = 4 << 20,
	                          .session_ttl_s = 3600,
	                          .quota = 5};
	if (usvc_password_init(2, 4, &h_app.cfg.password) != INK_OK)
		return -1;
	h_urpc = (ink_rpc_server_config){.service = USVC_NAME,
	                                 .listen = h_uurl,
	                                 .workers = 4,
	                                 .recv_max = 8 << 20,
	                                 .methods = usvc_methods,
	                                 .app = &h_app,
	                                 .worker_init = usvc_worker_init,
	                                 .worker_fini = usvc_worker_fini};
	if (ink_rpc_client_open_now(TSVC_NAME, h_turl, 8 << 20, &h_app.templates, why,
	                            sizeof(why)) != INK_OK ||
	    ink_rpc_server_start(&h_urpc, &h_usrv) != INK_OK ||
	    ink_rpc_client_open_now(USVC_NAME, h_uurl, 8 << 20, &h_client, why, sizeof(why)) !=
	        INK_OK)
		return -1;
	return 0;
}

int usvc_h_stop(void **state)
{
	ink_rpc_client_close(h_client);
	ink_rpc_server_stop(h_usrv);
	ink_rpc_client_close(h_app.templates);
	usvc_password_fini(h_app.cfg.password);
	return harness_stop(state);
}

int usvc_h_flush(void **state)
{
	return harness_flush(state);
}

long long usvc_h_redis_int(const char *fmt, const char *arg)
{
	return harness_redis_int(fmt, arg);
}

int usvc_h_user(const char *uid)
{
	return harness_redis_int("HSET user:{%s} username test", uid) >= 0 ? 0 : -1;
}

ink_err usvc_h_call(const char *method, const char *uid, const ProtobufCMessage *msg,
                    const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out, char *why,
                    size_t why_len)
{
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;
	ProtobufCBinaryData reply = {0, NULL};

	if (uid != NULL) {
		caller.user_id = (char *)uid;
		caller.username = (char *)uid;
		caller.role = "user";
	}
	why[0] = '\0';
	ink_err err =
	    ink_rpc_call(h_client, method, uid ? &caller : NULL, 20000, msg, &reply, why, why_len);
	if (err != INK_OK)
		return err;
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, reply.len, reply.data);
	free(reply.data);
	if (m == NULL)
		return INK_DATA_LOSS;
	if (out != NULL)
		*out = m;
	else
		protobuf_c_message_free_unpacked(m, NULL);
	return INK_OK;
}

uint8_t *usvc_h_png(uint32_t seed, size_t *len)
{
	return harness_png_seeded(160, 120, seed, len);
}
