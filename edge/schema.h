/*
 * schema.h - strict validation of JSON request bodies, in the spirit of
 * Pydantic with extra="forbid" and strict types.
 *
 * A body is accepted only if it is valid UTF-8 JSON, one object, not nested
 * deeper than EDGE_SCHEMA_MAX_DEPTH, with no duplicate, unknown, missing or
 * mistyped field, no null for a required field, and no control character in
 * any string (line breaks only where a field allows them). Every problem is reported at once, one
 * {field, message} entry each, so a client fixes its request in one round trip.
 */
#ifndef INKWELL_EDGE_SCHEMA_H
#define INKWELL_EDGE_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define EDGE_SCHEMA_MAX_DEPTH 4

typedef struct edge_field {
	const char *name;
	int required; /* 0: may be absent or null */
	/* Extra rule on the string value: NULL when fine, else a message
	 * (static). May be NULL for "any string". */
	const char *(*rule)(const char *value);
	/* 1: line breaks and tabs pass the control-character check (a report's
	 * reason); the rule still has the last word. */
	int line_breaks;
} edge_field;

typedef struct edge_schema {
	const edge_field *fields;
	size_t n_fields;
} edge_schema;

/* edge_schema_validate parses body[0..len) against `schema`.
 * Returns 0 with *obj set (caller owns: json_decref) when the body is valid.
 * Returns -1 with *errors set (caller owns: json_decref), a JSON array of
 * {"field","message"} objects, never empty; *obj is then NULL. Returns -2
 * only when out of memory. Field values in a valid object are all strings
 * (or absent) and can be read with json_string_value. */
INK_WUR int edge_schema_validate(const edge_schema *schema, const char *body, size_t len,
                                 json_t **obj, json_t **errors);

#endif /* INKWELL_EDGE_SCHEMA_H */
