/*
 * router.c - matching a request path against the route table (see router.h).
 *
 * Both the pattern and the path are walked segment by segment in place; only
 * parameter values are copied (decoded) into the caller's edge_params, so a
 * lookup never allocates and a hostile path costs O(length).
 */
#include "router.h"

#include <string.h>

/* router_segment returns the length of the segment starting at s (up to the
 * next '/' or the end). */
static size_t router_segment(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

static int router_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* router_decode percent-decodes seg[0..len) into out (out_len bytes with the
 * NUL). Returns 0, or -1 for a bad escape, a decoded '/' or NUL, an empty
 * value, or a value too long. */
static int router_decode(const char *seg, size_t len, char *out, size_t out_len)
{
	size_t o = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = seg[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = router_hex(seg[i + 1]);
			int lo = router_hex(seg[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			if (c == '\0' || c == '/')
				return -1;
			i += 2;
		}
		if (o + 1 >= out_len)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* router_path_match matches one pattern; fills params on success only. */
static int router_path_match(const char *pattern, const char *path, edge_params *params)
{
	edge_params got;

	got.n = 0;
	if (*pattern != '/' || *path != '/')
		return 0;
	for (;;) {
		pattern++; /* skip the '/' */
		path++;
		size_t plen = router_segment(pattern);
		size_t slen = router_segment(path);
		if (plen >= 2 && pattern[0] == '{' && pattern[plen - 1] == '}') {
			size_t nlen = plen - 2;
			if (got.n == EDGE_MAX_PARAMS || nlen >= EDGE_PARAM_NAME_MAX)
				return 0; /* a pattern we cannot hold: never matches */
			if (router_decode(path, slen, got.p[got.n].value, EDGE_PARAM_MAX) != 0)
				return 0;
			memcpy(got.p[got.n].name, pattern + 1, nlen);
			got.p[got.n].name[nlen] = '\0';
			got.n++;
		} else if (plen != slen || memcmp(pattern, path, plen) != 0) {
			return 0;
		}
		pattern += plen;
		path += slen;
		if (*pattern == '\0' || *path == '\0')
			break;
	}
	if (*pattern != '\0' || *path != '\0')
		return 0;
	if (params != NULL)
		*params = got;
	return 1;
}

static int router_method_ok(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* router_allow_add appends ", method" to allow unless it is already listed. */
static void router_allow_add(char *allow, size_t allow_len, const char *method)
{
	size_t have = strlen(allow);
	size_t mlen = strlen(method);
	const char *p = allow;

	while ((p = strstr(p, method)) != NULL) {
		int starts = p == allow || p[-1] == ' ';
		int ends = p[mlen] == '\0' || p[mlen] == ',';
		if (starts && ends)
			return;
		p += mlen;
	}
	size_t sep = have > 0 ? 2 : 0;
	if (have + sep + mlen + 1 > allow_len)
		return;
	if (sep)
		memcpy(allow + have, ", ", 2);
	memcpy(allow + have + sep, method, mlen + 1);
}

edge_match edge_router_match(const edge_route *routes, size_t n, const char *method,
                             const char *path, const edge_route **route, edge_params *params,
                             char *allow, size_t allow_len)
{
	int path_known = 0;

	*route = NULL;
	if (allow_len > 0)
		allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!router_path_match(routes[i].pattern, path, NULL))
			continue;
		path_known = 1;
		if (router_method_ok(routes[i].method, method)) {
			if (!router_path_match(routes[i].pattern, path, params))
				return EDGE_MATCH_NOT_FOUND; /* unreachable: same inputs */
			*route = &routes[i];
			return EDGE_MATCH_OK;
		}
	}
	if (!path_known)
		return EDGE_MATCH_NOT_FOUND;
	for (size_t i = 0; i < n && allow_len > 0; i++) {
		if (!router_path_match(routes[i].pattern, path, NULL))
			continue;
		router_allow_add(allow, allow_len, routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			router_allow_add(allow, allow_len, "HEAD");
	}
	return EDGE_MATCH_BAD_METHOD;
}

const char *edge_param(const edge_params *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++) {
		if (strcmp(params->p[i].name, name) == 0)
			return params->p[i].value;
	}
	return NULL;
}
