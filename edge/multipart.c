/*
 * multipart.c - one file field out of an in-memory multipart/form-data body
 * (see multipart.h). Structure of a body:
 *
 *   --B CRLF headers CRLF CRLF data CRLF --B CRLF headers ... CRLF --B-- ...
 *
 * A part's data ends right before the next "CRLF --B"; that delimiter must
 * exist, so a truncated body is an error, not a shorter image.
 */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MP_BOUNDARY_MAX 70 /* RFC 2046 */

/* mp_boundary extracts boundary=... (optionally quoted) from content_type. */
static int mp_boundary(const char *ct, char *out, size_t out_len)
{
	const char *p = strcasestr(ct, "boundary=");

	if (p == NULL)
		return -1;
	p += strlen("boundary=");
	int quoted = *p == '"';
	p += quoted;
	size_t n = 0;
	while (p[n] && (quoted ? p[n] != '"' : (p[n] != ';' && p[n] != ' ')))
		n++;
	if (n == 0 || n > MP_BOUNDARY_MAX || n + 1 > out_len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
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
	/* The first delimiter may start the body without its CRLF. */
	const char *p = memmem(body, len, delim + 2, (size_t)dlen - 2);
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
