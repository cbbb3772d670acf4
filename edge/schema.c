/*
 * schema.c - strict JSON body validation (see schema.h).
 *
 * jansson already refuses invalid UTF-8, trailing garbage, \u0000 and (with
 * JSON_REJECT_DUPLICATES) repeated keys, with a message and a position: we
 * keep its words. What it allows but we do not - depth, unknown fields,
 * types, nulls, control characters - is checked here on the parsed tree.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

#include "content_rules.h"

static int schema_add(json_t *errors, const char *field, const char *message)
{
	char name[72];

	/* A field name comes from the client: keep the echo short. */
	snprintf(name, sizeof(name), "%s", field);
	json_t *e = json_pack("{s:s, s:s}", "field", name, "message", message);
	if (e == NULL) /* a key that is not valid UTF-8 after truncation */
		e = json_pack("{s:s, s:s}", "field", "(name)", "message", message);
	return e == NULL ? -1 : json_array_append_new(errors, e);
}

static const char *schema_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static const edge_field *schema_find(const edge_schema *schema, const char *name)
{
	for (size_t i = 0; i < schema->n_fields; i++) {
		if (strcmp(schema->fields[i].name, name) == 0)
			return &schema->fields[i];
	}
	return NULL;
}

/* schema_check_field adds at most one error for one declared field. */
static int schema_check_field(const edge_field *f, json_t *v, json_t *errors)
{
	char msg[160];

	if (v == NULL || json_is_null(v)) {
		if (!f->required)
			return 0;
		return schema_add(errors, f->name, v ? "must not be null" : "field required");
	}
	if (!json_is_string(v)) {
		snprintf(msg, sizeof(msg), "must be a string, not %s", schema_type_name(v));
		return schema_add(errors, f->name, msg);
	}
	if (ink_text_chars(json_string_value(v), json_string_length(v), f->line_breaks) < 0)
		return schema_add(errors, f->name, "must not contain control characters");
	const char *bad = f->rule ? f->rule(json_string_value(v)) : NULL;
	return bad ? schema_add(errors, f->name, bad) : 0;
}

static int schema_check_object(const edge_schema *schema, json_t *obj, json_t *errors)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(obj, key, v)
	{
		if (schema_find(schema, key) == NULL)
			rc |= schema_add(errors, key, "unknown field");
	}
	for (size_t i = 0; i < schema->n_fields; i++) {
		const edge_field *f = &schema->fields[i];
		rc |= schema_check_field(f, json_object_get(obj, f->name), errors);
	}
	return rc;
}

/* schema_too_deep tells whether the JSON text nests arrays/objects deeper
 * than `max`, without parsing it. It must run before json_loadb: jansson's
 * parser recurses once per level (up to 2048), and a civetweb connection
 * thread's stack is small, so "[[[[..." two thousand deep would overflow it
 * and kill the edge before the parsed tree could be measured. Brackets
 * inside strings (escapes included) do not count; malformed text is left
 * for jansson to report. */
static int schema_too_deep(const char *s, size_t len, int max)
{
	int depth = 0;
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return 1;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int edge_schema_validate(const edge_schema *schema, const char *body, size_t len, json_t **obj,
                         json_t **errors)
{
	json_error_t jerr;
	char msg[256];
	int rc = 0;
	json_t *errs = json_array();

	*obj = NULL;
	*errors = NULL;
	if (errs == NULL)
		return -2;
	json_t *root = NULL;
	if (schema_too_deep(body, len, EDGE_SCHEMA_MAX_DEPTH)) {
		snprintf(msg, sizeof(msg), "nested deeper than %d levels", EDGE_SCHEMA_MAX_DEPTH);
		rc = schema_add(errs, "body", msg);
	} else if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(msg, sizeof(msg), "not valid JSON: %s (at byte %d)", jerr.text,
		         jerr.position);
		rc = schema_add(errs, "body", msg);
	} else if (!json_is_object(root)) {
		snprintf(msg, sizeof(msg), "must be a JSON object, not %s", schema_type_name(root));
		rc = schema_add(errs, "body", msg);
	} else {
		rc = schema_check_object(schema, root, errs);
	}
	if (rc != 0) {
		json_decref(root);
		json_decref(errs);
		return -2;
	}
	if (json_array_size(errs) > 0) {
		json_decref(root);
		*errors = errs;
		return -1;
	}
	json_decref(errs);
	*obj = root;
	return 0;
}
