/* page_link.c - the Link header of paged lists (see page_link.h). */
#include "page_link.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static int link_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int edge_page_link_format(const char *path, int limit, const char *cursor, char *out,
                          size_t out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	int n = snprintf(out, out_len, "<%s?limit=%d&cursor=", path, limit);
	size_t used = n < 0 ? out_len : (size_t)n;

	for (const unsigned char *p = (const unsigned char *)cursor; *p && used < out_len; p++) {
		if (link_unreserved(*p)) {
			out[used++] = (char)*p;
		} else if (used + 3 < out_len) {
			out[used++] = '%';
			out[used++] = hex[*p >> 4];
			out[used++] = hex[*p & 15];
		} else {
			used = out_len;
		}
	}
	static const char tail[] = ">; rel=\"next\"";
	if (used + sizeof(tail) > out_len) {
		if (out_len > 0)
			out[0] = '\0';
		return -1;
	}
	memcpy(out + used, tail, sizeof(tail));
	return 0;
}

void edge_page_link(edge_req *req, int limit, const char *next_cursor)
{
	char link[EDGE_HEADER_VALUE_MAX];

	if (next_cursor == NULL || next_cursor[0] == '\0')
		return;
	if (edge_page_link_format(req->route->pattern, limit, next_cursor, link, sizeof(link)) !=
	        0 ||
	    edge_add_header(req, "Link", link) != 0)
		ink_log_error("Link header for the next page not added");
}
