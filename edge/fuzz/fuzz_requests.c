/*
 * fuzz_requests.c - libFuzzer harness for what the edge and every service
 * parse from the network before any handler runs: a JSON body through the
 * strict schema (with the real account rules), a multipart upload body, and
 * an RPC envelope through the server's dispatch. The first input byte picks
 * which; nothing may crash, leak or trip a sanitizer.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "account_rules.h"
#include "multipart.h"
#include "rpc_server.h"
#include "schema.h"

static const edge_field fuzz_fields[] = {
    {.name = "username", .required = 1, .rule = ink_rule_username},
    {.name = "password", .required = 1, .rule = ink_rule_password},
    {.name = "email", .required = 0, .rule = ink_rule_email},
};
static const edge_schema fuzz_schema = {fuzz_fields, 3};

static ink_err fuzz_echo(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ProtobufCBinaryData copy = {len, malloc(len ? len : 1)};

	if (copy.data == NULL)
		return ink_rpc_fail(ctx, INK_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < len; i++)
		copy.data[i] = body[i];
	ink_rpc_reply_raw(ctx, copy);
	return INK_OK;
}

static const ink_rpc_method fuzz_methods[] = {{"fuzz.v1.Echo/Echo", fuzz_echo, 0}, {NULL, NULL, 0}};
static const ink_rpc_server_config fuzz_server = {.service = "fuzz", .methods = fuzz_methods};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	switch (data[0] % 3) {
	case 0: {
		json_t *obj = NULL, *errors = NULL;
		/* Any answer is fine here; the sanitizers judge the run. */
		int rc = edge_schema_validate(&fuzz_schema, body, len, &obj, &errors);
		(void)rc;
		json_decref(obj);
		json_decref(errors);
		break;
	}
	case 1: {
		const char *part = NULL, *why = NULL;
		size_t part_len = 0;
		char type[64];
		int rc = edge_multipart_find("multipart/form-data; boundary=XyZ", body, len,
		                             "image", &part, &part_len, type, sizeof(type), &why);
		(void)rc;
		break;
	}
	default: {
		uint8_t *out = NULL;
		size_t out_len = 0;
		if (ink_rpc_dispatch(&fuzz_server, NULL, (const uint8_t *)body, len, &out,
		                     &out_len) == INK_OK)
			free(out);
		break;
	}
	}
	return 0;
}
