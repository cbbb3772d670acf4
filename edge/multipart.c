/*
 * multipart.c - one file field out of an in-memory multipart/form-data body
 * (see multipart.h). Structure of a body:
 *
 *   --B CRLF headers CRLF CRLF data CRLF --B CRLF headers ... CRLF --B-- ...
 *
 * A part's data ends right before the next "CRLF --B"; that delimiter and
 * the closing "--B--" must exist, so a truncated body is an error, not a
 * shorter image. The first delimiter starts the body or a line (a preamble
 * before it is allowed, as in RFC 2046), never the middle of one.
 */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MP_BOUNDARY_MAX 70 /* RFC 2046 */

/* mp_boundary extracts the boundary parameter (optionally quoted) from
 * content_type: parameters are split on ';' and compared by exact name, so
 * "xboundary=" is not "boundary=". */
static int mp_boundary(const char *ct, char *out, size_t out_len)
{
	const char *p = strchr(ct, ';');

	while (p != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", strlen("boundary=")) == 0) {
			p += strlen("boundary=");
			int quoted = *p == '"';
			p += quoted;
			size_t n = 0;
			while (p[n] && (quoted ? p[n] != '"'
			                       : (p[n] != ';' && p[n] != ' ' && p[n] != '\t')))
				n++;
			if (n == 0 || n > MP_BOUNDARY_MAX || n + 1 > out_len || (quoted && !p[n]))
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, ';'); /* a quoted value with ';' in it: not ours either way */
	}
	return -1;
}

/* mp_header_value finds "Name:" in the header block [h, end) and returns a
 * pointer to its value (up to the CRLF at *value_end), or NULL. */
static const char *mp_header_value(const char *h, const char *end, const char *name,
                                   const char **value_end)
{
	size_t nlen = strlen(name);

	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - h) > nlen && strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
			const char *v = h + nlen + 1;
			while (v < eol && *v == ' ')
				v++;
			*value_end = eol;
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/* mp_names_field: does the Content-Disposition value name `field`? */
static int mp_names_field(const char *v, const char *vend, const char *field)
{
	char want[96];
	int n = snprintf(want, sizeof(want), "name=\"%s\"", field);

	if (n < 0 || (size_t)n >= sizeof(want))
		return 0;
	for (const char *p = v; p + n <= vend; p++) {
		/* "filename=" also contains "name=": require a separator before. */
		if (memcmp(p, want, (size_t)n) == 0 && (p == v || p[-1] == ' ' || p[-1] == ';'))
			return 1;
	}
	return 0;
}

/* mp_closed_after: does the closing delimiter "CRLF --B--" follow at or
 * after p? */
static int mp_closed_after(const char *p, const char *end, const char *delim, size_t dlen)
{
	while (p != NULL && (size_t)(end - p) >= dlen + 2) {
		if (memcmp(p, delim, dlen) == 0 && memcmp(p + dlen, "--", 2) == 0)
			return 1;
		p = memmem(p + 1, (size_t)(end - p - 1), delim, dlen);
	}
	return 0;
}

int edge_multipart_find(const char *content_type, const char *body, size_t len, const char *field,
                        const char **data, size_t *data_len, char *part_type, size_t part_type_len,
                        const char **why)
{
	char boundary[MP_BOUNDARY_MAX + 1], delim[MP_BOUNDARY_MAX + 5];
	const char *end = body + len;

	if (content_type == NULL || mp_boundary(content_type, boundary, sizeof(boundary)) != 0) {
		*why = "multipart/form-data needs a boundary parameter";
		return -1;
	}
	int dlen = snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* The first delimiter starts the body, or a line after a preamble. */
	const char *p = NULL;
	if (len >= (size_t)dlen - 2 && memcmp(body, delim + 2, (size_t)dlen - 2) == 0)
		p = body;
	else if ((p = memmem(body, len, delim, (size_t)dlen)) != NULL)
		p += 2;
	int closed = 0;
	while (p != NULL) {
		p += dlen - 2;
		if (end - p >= 2 && memcmp(p, "--", 2) == 0) {
			closed = 1; /* closing delimiter */
			break;
		}
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			break;
		const char *headers = p + 2;
		const char *hend = memmem(headers, (size_t)(end - headers), "\r\n\r\n", 4);
		if (hend == NULL)
			break;
		const char *content = hend + 4;
		const char *next = memmem(content, (size_t)(end - content), delim, (size_t)dlen);
		if (next == NULL)
			break;
		const char *vend = NULL;
		const char *cd = mp_header_value(headers, hend + 2, "Content-Disposition", &vend);
		if (cd != NULL && mp_names_field(cd, vend, field)) {
			if (!mp_closed_after(next, end, delim, (size_t)dlen))
				break; /* the body was cut off after this part */
			const char *tend = NULL;
			const char *ct = mp_header_value(headers, hend + 2, "Content-Type", &tend);
			size_t tn = ct ? (size_t)(tend - ct) : 0;
			snprintf(part_type, part_type_len, "%.*s", (int)tn, ct ? ct : "");
			*data = content;
			*data_len = (size_t)(next - content);
			return 0;
		}
		p = next + 2; /* at "--boundary" */
	}
	*why = closed ? "multipart body has no field with the expected name"
	              : "multipart body is malformed or truncated";
	return -1;
}
