/*
 * call.c - turning an ink_err into the client's answer, and calling a
 * service from a handler (edge_send_ink_err, edge_rpc; declared in http.h).
 *
 * This is where status.c's one mapping is applied, so every route reports
 * the same failure the same way. Remote messages of client errors (4xx) are
 * written for users and passed on; messages of server-side failures (5xx)
 * may name internal addresses, so they are logged and replaced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "status.h"

/* call_generic_detail is what a client sees for a 5xx. UNAVAILABLE means
 * nothing was done (retry); DEADLINE_EXCEEDED that a write may or may not
 * have happened (a timeout after the request reached a service or Redis):
 * a change must not be retried blindly. */
static const char *call_generic_detail(const edge_req *req, ink_err err)
{
	int reads = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	switch (err) {
	case INK_UNAVAILABLE:
		return "a backend service is unavailable; try again shortly";
	case INK_DEADLINE_EXCEEDED:
		return reads ? "a backend service did not answer in time"
		             : "a backend service did not answer in time: the outcome is unknown "
		               "(the change may have been made); check before repeating it, or "
		               "repeat it with the same Idempotency-Key";
	case INK_UNIMPLEMENTED:
		return "this operation is not implemented yet";
	default:
		return "the server failed to process the request";
	}
}

void edge_send_ink_err(edge_req *req, ink_err err, const char *message)
{
	int status = edge_status_from_err(err);

	if (err == INK_OK) { /* a caller bug: there is no error to report */
		ink_log_error("edge_send_ink_err called with INK_OK");
		status = 500;
	}
	if (status >= 500) {
		ink_log_warn("%s: %s", ink_strerror(err), message ? message : "");
		message = call_generic_detail(req, err);
	}
	/* A 401 for a token sent inside the call: user-svc refused that token. */
	if (status == 401 &&
	    edge_add_header(req, "WWW-Authenticate",
	                    req->token_hash[0] ? "Bearer realm=\"inkwell\", error=\"invalid_token\""
	                                       : "Bearer realm=\"inkwell\"") != 0)
		ink_log_error("WWW-Authenticate not added");
	if (status == 503 && edge_add_header(req, "Retry-After", "1") != 0)
		ink_log_error("Retry-After not added");
	edge_send_problem(req, status, NULL, message && message[0] ? message : NULL);
}

/* call_listed tells whether `method` is one of names[0..n). */
static int call_listed(const char *method, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(method, names[i]) == 0)
			return 1;
	}
	return 0;
}

/* call_batched tells whether `method` is one of the hot reads sent through
 * the edge's read batchers (rpc_batch.h): the small, fast ones a signed-in
 * user makes most (the library grid, opening a page) and the gallery's
 * metadata. Images, SVGs and PDFs go alone: one render must not hold up a
 * batch of grid reads. */
static int call_batched(const char *method)
{
	static const char *const hot[] = {
	    "inkwell.user.v1.Library/ListTemplates",
	    "inkwell.user.v1.Library/GetTemplate",
	    "inkwell.template.v1.Templates/ListGallery",
	    "inkwell.template.v1.Templates/GetGalleryItem",
	};

	return call_listed(method, hot, sizeof(hot) / sizeof(hot[0]));
}

/* call_rpc is edge_rpc_timeout with the Caller given (NULL: none); a hot
 * read goes through `reads` when there is one. */
static ink_err call_rpc(edge_req *req, ink_rpc_client *client, ink_rpc_batcher *reads,
                        const Inkwell__Rpc__V1__Caller *caller, const char *method,
                        const ProtobufCMessage *body, ProtobufCBinaryData *reply,
                        int64_t timeout_ms)
{
	char why[256];
	ink_err err;

	reply->data = NULL;
	reply->len = 0;
	if (reads != NULL && call_batched(method))
		err = ink_rpc_batch_call(reads, method, caller, timeout_ms, body, reply, why,
		                         sizeof(why));
	else
		err =
		    ink_rpc_call(client, method, caller, timeout_ms, body, reply, why, sizeof(why));
	if (err == INK_OK)
		return INK_OK;
	free(reply->data);
	reply->data = NULL;
	reply->len = 0;
	edge_send_ink_err(req, err, why);
	return err;
}

ink_err edge_rpc_timeout(edge_req *req, ink_rpc_client *client, const char *method,
                         const ProtobufCMessage *body, ProtobufCBinaryData *reply,
                         int64_t timeout_ms)
{
	ink_rpc_batcher *reads = client == req->app->users ? req->app->user_reads : NULL;

	return call_rpc(req, client, reads, req->authenticated ? &req->caller : NULL, method, body,
	                reply, timeout_ms);
}

ink_err edge_rpc(edge_req *req, ink_rpc_client *client, const char *method,
                 const ProtobufCMessage *body, ProtobufCBinaryData *reply)
{
	return edge_rpc_timeout(req, client, method, body, reply, req->app->cfg->rpc_timeout_ms);
}

/* call_public tells whether `method` is a public gallery read: what
 * template-svc answers for it does not depend on the caller (the product's
 * decision, issue 16; its handlers never read ctx->caller), so it goes
 * straight to template-svc, which owns the public database, with no Caller
 * at all: one hop, not two, whoever asks. */
static int call_public(const char *method)
{
	static const char *const direct[] = {
	    "inkwell.template.v1.Templates/ListGallery",
	    "inkwell.template.v1.Templates/GetGalleryItem",
	    "inkwell.template.v1.Templates/GetGalleryImage",
	    "inkwell.template.v1.Templates/GetGallerySvg",
	    "inkwell.template.v1.Templates/PrintGalleryPage",
	};

	return call_listed(method, direct, sizeof(direct) / sizeof(direct[0]));
}

/* call_send picks the service for `method`: a public read goes to
 * template-svc (call_public) with no Caller: template-svc resolves no
 * tokens, and the answer is the anonymous one whatever the request carried.
 * Everything else goes to user-svc: the library and every write, the
 * gallery's too (save, report, delete, moderation), which user-svc checks
 * and passes on. Without a template-svc client (a test's
 * app) everything goes to user-svc, which forwards gallery methods. */
static ink_err call_send(edge_req *req, const char *method, const ProtobufCMessage *body,
                         ProtobufCBinaryData *reply, int64_t timeout_ms)
{
	if (req->app->templates != NULL && call_public(method))
		return call_rpc(req, req->app->templates, req->app->template_reads, NULL, method,
		                body, reply, timeout_ms);
	return edge_rpc_timeout(req, req->app->users, method, body, reply, timeout_ms);
}

ProtobufCMessage *edge_rpc_msg(edge_req *req, const char *method, const ProtobufCMessage *body,
                               const ProtobufCMessageDescriptor *reply_type, int64_t timeout_ms)
{
	ProtobufCBinaryData reply;

	if (call_send(req, method, body, &reply,
	              timeout_ms > 0 ? timeout_ms : req->app->cfg->rpc_timeout_ms) != INK_OK)
		return NULL;
	ProtobufCMessage *msg = protobuf_c_message_unpack(reply_type, NULL, reply.len, reply.data);
	free(reply.data);
	if (msg == NULL) {
		ink_log_error("%s: reply does not parse as %s", method, reply_type->name);
		edge_send_problem(req, 500, NULL, "a service sent a reply that does not parse");
	}
	return msg;
}
