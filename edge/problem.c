/*
 * problem.c - building RFC 9457 problem bodies (see problem.h). Every string
 * that may come from a client goes through edge_problem_string, so a body is
 * always valid JSON whatever bytes the client sent.
 */
#include "problem.h"

#include <string.h>

#include "status.h"

json_t *edge_problem_string(const char *s)
{
	char masked[1025];
	size_t i;

	if (s == NULL)
		return NULL;
	json_t *v = json_string(s);
	if (v != NULL)
		return v;
	for (i = 0; s[i] != '\0' && i < sizeof(masked) - 1; i++)
		masked[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	masked[i] = '\0';
	return json_string(masked);
}

/* problem_set puts a new string under key; 0 or -1 (out of memory). */
static int problem_set(json_t *obj, const char *key, const char *value)
{
	json_t *v = edge_problem_string(value);
	if (v == NULL)
		return -1;
	return json_object_set_new(obj, key, v);
}

json_t *edge_problem_json(const edge_problem *p, const char *instance, const char *request_id)
{
	char type[160];
	const char *slug = p->slug ? p->slug : edge_status_slug(p->status);
	const char *title = p->title ? p->title : edge_status_title(p->status);
	int rc = 0;

	size_t base = strlen(EDGE_PROBLEM_BASE);
	size_t n = strlen(slug);
	if (base + n >= sizeof(type))
		n = sizeof(type) - base - 1;
	memcpy(type, EDGE_PROBLEM_BASE, base);
	memcpy(type + base, slug, n);
	type[base + n] = '\0';

	json_t *obj = json_object();
	if (obj == NULL)
		return NULL;
	rc |= problem_set(obj, "type", type);
	rc |= problem_set(obj, "title", title);
	rc |= json_object_set_new(obj, "status", json_integer(p->status));
	if (p->detail != NULL && p->detail[0] != '\0')
		rc |= problem_set(obj, "detail", p->detail);
	if (instance != NULL)
		rc |= problem_set(obj, "instance", instance);
	if (request_id != NULL && request_id[0] != '\0')
		rc |= problem_set(obj, "request_id", request_id);
	if (p->errors != NULL)
		rc |= json_object_set_new(obj, "errors", json_deep_copy(p->errors));
	if (rc != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

int edge_problem_add_error(json_t **errors, const char *field, const char *message)
{
	json_t *arr = *errors;
	int created = 0;

	if (arr == NULL) {
		arr = json_array();
		if (arr == NULL)
			return -1;
		created = 1;
	}
	json_t *e = json_object();
	int rc = e == NULL ? -1 : 0;
	if (rc == 0) {
		rc |= problem_set(e, "field", field);
		rc |= problem_set(e, "message", message);
	}
	if (rc == 0)
		rc = json_array_append_new(arr, e);
	else
		json_decref(e);
	if (rc != 0) {
		if (created)
			json_decref(arr);
		return -1;
	}
	*errors = arr;
	return 0;
}
