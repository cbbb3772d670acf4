/* openapi.c - serving the compiled-in OpenAPI document (see openapi.h). */
#include "openapi.h"

#include "http.h"
#include "png_reply.h"

void edge_openapi_get(edge_req *req)
{
	edge_send_cached(req, "application/json", edge_openapi_json, edge_openapi_json_len,
	                 edge_openapi_etag, "public, no-cache");
}
