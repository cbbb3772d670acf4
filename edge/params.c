/* params.c - query parameters and JSON bodies, checked (see params.h). */
#include "params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "log.h"

static void params_error(json_t *errors, const char *field, const char *message)
{
	/* Out of memory loses the entry, not the 400: the reader still
	 * returns -1 and its caller answers from a shorter list. */
	if (json_array_append_new(errors,
	                          json_pack("{s:s, s:s}", "field", field, "message", message)) != 0)
		ink_log_error("query error for %s dropped: out of memory", field);
}

int edge_text_ok(const char *s, size_t len, size_t max_chars)
{
	json_t *probe = json_stringn(s, len);

	if (probe == NULL)
		return 0;
	json_decref(probe);
	long chars = ink_text_chars(s, len, 0);
	return chars >= 0 && (size_t)chars <= max_chars;
}

int edge_query_int(const edge_req *req, const char *name, int def, int min, int max, int *out,
                   json_t *errors)
{
	char buf[24], msg[96];
	char *end = NULL;
	int n = edge_query(req, name, buf, sizeof(buf));

	if (n == -1) {
		*out = def;
		return 0;
	}
	long v = n > 0 ? strtol(buf, &end, 10) : 0;
	/* strtol would skip leading white space and take a '+': digits only */
	int digits = n > 0 && (isdigit((unsigned char)buf[0]) ||
	                       (buf[0] == '-' && isdigit((unsigned char)buf[1])));
	if (!digits || *end != '\0' || v < min || v > max) {
		snprintf(msg, sizeof(msg), "must be a whole number from %d to %d", min, max);
		params_error(errors, name, msg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int edge_query_text(const edge_req *req, const char *name, const char *def, size_t max_chars,
                    char *out, size_t out_len, json_t *errors)
{
	char msg[96];
	int n = edge_query(req, name, out, out_len);

	if (n == -1) {
		snprintf(out, out_len, "%s", def);
		return 0;
	}
	if (n < 0 || !edge_text_ok(out, (size_t)n, max_chars)) {
		snprintf(msg, sizeof(msg),
		         "must be at most %zu characters, without control characters", max_chars);
		params_error(errors, name, msg);
		return -1;
	}
	return 0;
}

int edge_query_page(edge_req *req, int *limit, char *cursor, size_t cursor_len)
{
	json_t *errors = json_array();
	int bad = 0;

	if (errors == NULL) {
		edge_send_problem(req, 500, NULL, "out of memory");
		return -1;
	}
	bad |= edge_query_int(req, "limit", 20, 1, 100, limit, errors);
	bad |= edge_query_text(req, "cursor", "", EDGE_CURSOR_MAX, cursor, cursor_len, errors);
	if (bad != 0 || json_array_size(errors) > 0) {
		edge_send_validation(req, errors);
		return -1;
	}
	json_decref(errors);
	return 0;
}

json_t *edge_json_body(edge_req *req, const edge_schema *schema)
{
	json_t *obj = NULL, *errors = NULL;
	int rc = edge_schema_validate(schema, req->body, req->body_len, &obj, &errors);

	if (rc == -1)
		edge_send_validation(req, errors);
	else if (rc != 0)
		edge_send_problem(req, 500, NULL, "out of memory");
	return rc == 0 ? obj : NULL;
}

const char *edge_json_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

int edge_query_paper(edge_req *req, char *out, size_t out_len)
{
	char buf[16];
	int n = edge_query(req, "paper", buf, sizeof(buf));

	for (int i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	if (n == -1 || n == 0 || strcmp(buf, "a4") == 0 || strcmp(buf, "letter") == 0) {
		snprintf(out, out_len, "%s", n > 0 ? buf : "a4");
		return 0;
	}
	json_t *errors = json_array();
	params_error(errors, "paper", "must be a4 or letter");
	edge_send_validation(req, errors);
	return -1;
}

int edge_query_choice(const edge_req *req, const char *name, const char *const *choices, char *out,
                      size_t out_len, json_t *errors)
{
	char msg[128];
	size_t used = 0;
	int n = edge_query(req, name, out, out_len);

	if (n == -1) {
		snprintf(out, out_len, "%s", choices[0]);
		return 0;
	}
	for (int i = 0; n >= 0 && choices[i] != NULL; i++)
		if (strcmp(out, choices[i]) == 0)
			return 0;
	msg[0] = '\0';
	for (int i = 0; choices[i] != NULL && used < sizeof(msg); i++) {
		int k = snprintf(msg + used, sizeof(msg) - used, "%s%s", i ? " or " : "must be ",
		                 choices[i]);
		used += k > 0 ? (size_t)k : 0;
	}
	params_error(errors, name, msg);
	return -1;
}
