/*
 * stream.c - the body of a streamed response (see http.h,
 * edge_send_stream_begin, which sends its head): chunks as they come, and
 * an end that cannot be mistaken for a whole body when the stream broke.
 */
#include <string.h>

#include "http.h"

int edge_send_stream_chunk(edge_req *req, const void *data, size_t len)
{
	if (req->is_head || len == 0)
		return 0;
	if (!req->stream_chunked)
		return mg_write(req->conn, data, len) == (int)len ? 0 : -1;
	/* mg_send_chunk takes an unsigned int length. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off > (1u << 30) ? (1u << 30) : len - off;
		if (mg_send_chunk(req->conn, (const char *)data + off, (unsigned int)n) <= 0)
			return -1;
		off += n;
	}
	return 0;
}

int edge_send_stream_end(edge_req *req, int complete)
{
	if (req->is_head || !req->stream_chunked)
		return 0;
	/* A broken stream must not look whole: a malformed chunk makes every
	 * client and proxy drop the connection instead of waiting. */
	const char *tail = complete ? "0\r\n\r\n" : "broken\r\n\r\n";
	size_t n = strlen(tail);
	return mg_write(req->conn, tail, n) == (int)n ? 0 : -1;
}
