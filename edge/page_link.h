/*
 * page_link.h - the RFC 8288 `Link: <...>; rel="next"` header of a paged list, beside its
 * JSON `next_cursor`, so generic HTTP clients can page without knowing our body shape.
 */
#ifndef INKWELL_EDGE_PAGE_LINK_H
#define INKWELL_EDGE_PAGE_LINK_H

#include <stddef.h>

#include "http.h"

/* edge_page_link_format writes `<path?limit=N&cursor=C>; rel="next"` into out (cursor
 * percent-encoded: every byte but RFC 3986 unreserved ones). Returns 0; -1 when it does not
 * fit in out_len (out is then ""). Pure. */
INK_WUR int edge_page_link_format(const char *path, int limit, const char *cursor, char *out,
                                  size_t out_len);

/* edge_page_link adds that Link header for the next page of the list route answering req
 * (its pattern is the path: list routes have no parameters), or nothing on the last page
 * (next_cursor ""). Call before sending. A header that cannot be added is logged; the
 * body's next_cursor still pages. */
void edge_page_link(edge_req *req, int limit, const char *next_cursor);

#endif /* INKWELL_EDGE_PAGE_LINK_H */
